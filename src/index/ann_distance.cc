#include "index/ann_distance.h"

namespace gembed::index {

float InnerProductDistanceScalar(const void* a, const void* b, const void* dim) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = *static_cast<const size_t*>(dim);
  float s = 0;
  for (size_t j = 0; j < n; ++j) s += x[j] * y[j];
  return 1.0f - s;
}

AnnDistanceFn InnerProductDistanceFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return InnerProductDistanceAvx512;
    case Isa::kAvx2: return InnerProductDistanceAvx2;
    default: return nullptr;
  }
}

}  // namespace gembed::index
