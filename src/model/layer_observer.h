// A hook into the encoder's residual stream, for tests and debugging.
#pragma once

#include <functional>

namespace gembed {

// Called with the residual stream [T, hidden] after the embedding (layer = -1) and after
// each layer.
using LayerObserver = std::function<void(int layer, const float* hidden)>;

}  // namespace gembed
