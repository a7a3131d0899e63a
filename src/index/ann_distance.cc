#include "index/ann_distance.h"

namespace gembed::index {

float InnerProductDistanceScalar(const void* a, const void* b, const void* dim) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = *static_cast<const size_t*>(dim);
  // 16 partial sums: the compiler may vectorise these (SSE2) without -ffast-math.
  float acc[16] = {};
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    for (size_t l = 0; l < 16; ++l) acc[l] += x[j + l] * y[j + l];
  }
  float s = 0;
  for (; j < n; ++j) s += x[j] * y[j];
  for (float a : acc) s += a;
  return 1.0f - s;
}

AnnDistanceFn InnerProductDistanceFor(Isa isa) {
  switch (isa) {  // kScalar: nullptr, the caller uses InnerProductDistanceScalar
    case Isa::kAvx512: return InnerProductDistanceAvx512;
    case Isa::kAvx2: return InnerProductDistanceAvx2;
    default: return nullptr;
  }
}

}  // namespace gembed::index
