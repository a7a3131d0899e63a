// Compiled with -mavx512f: called only when the CPU has it (see ann_distance.h).
#include <immintrin.h>

#include "index/ann_distance.h"

namespace gembed::index {

float InnerProductDistanceAvx512(const void* a, const void* b, const void* dim) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const size_t n = *static_cast<const size_t*>(dim);
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t j = 0;
  for (; j + 32 <= n; j += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + j + 16), _mm512_loadu_ps(y + j + 16), s1);
  }
  for (; j + 16 <= n; j += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j), s0);
  if (j < n) {  // masked tail: no scalar loop, no reads past the end
    const __mmask16 m = static_cast<__mmask16>((1u << (n - j)) - 1);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + j), _mm512_maskz_loadu_ps(m, y + j), s1);
  }
  return 1.0f - _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

}  // namespace gembed::index
