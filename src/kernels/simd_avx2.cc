// AVX2+FMA pieces of the packed GEMM (compiled with -mavx2 -mfma -mf16c).
//
// Tile: 6 rows × 1 panel (16 columns = 2 ymm) = 12 accumulators, 2 weight registers and one
// broadcast: 15 of the 16 ymm registers.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/ops.h"
#include "kernels/simd_kernels.h"

namespace gembed {
namespace {

constexpr int kRows = 6;

template <int MR>
inline void Tile(const float* x, size_t ldx, const float* P, size_t K, float* y, size_t ldy, size_t ncols) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (size_t k = 0; k < K; ++k) {
    const __m256 w0 = _mm256_load_ps(P + k * kPanel), w1 = _mm256_load_ps(P + k * kPanel + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256 xb = _mm256_broadcast_ss(x + r * ldx + k);
      acc[r][0] = _mm256_fmadd_ps(xb, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(xb, w1, acc[r][1]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    if (ncols == kPanel) {
      _mm256_storeu_ps(y + r * ldy, acc[r][0]);
      _mm256_storeu_ps(y + r * ldy + 8, acc[r][1]);
    } else {
      float tmp[kPanel];
      _mm256_storeu_ps(tmp, acc[r][0]);
      _mm256_storeu_ps(tmp + 8, acc[r][1]);
      std::memcpy(y + r * ldy, tmp, ncols * sizeof(float));
    }
  }
}

void GemmF32(const float* x, size_t ldx, size_t rows, const float* panels, size_t panel_stride, size_t npanels,
             size_t K, float* y, size_t ldy, size_t cols) {
  for (size_t p = 0; p < npanels; ++p) {
    const float* P = panels + p * panel_stride;
    const size_t c0 = p * kPanel, nc = cols - c0 < kPanel ? cols - c0 : kPanel;
    size_t r = 0;
    for (; r + kRows <= rows; r += kRows) Tile<kRows>(x + r * ldx, ldx, P, K, y + r * ldy + c0, ldy, nc);
    const float* xr = x + r * ldx;
    float* yr = y + r * ldy + c0;
    switch (rows - r) {
      case 5: Tile<5>(xr, ldx, P, K, yr, ldy, nc); break;
      case 4: Tile<4>(xr, ldx, P, K, yr, ldy, nc); break;
      case 3: Tile<3>(xr, ldx, P, K, yr, ldy, nc); break;
      case 2: Tile<2>(xr, ldx, P, K, yr, ldy, nc); break;
      case 1: Tile<1>(xr, ldx, P, K, yr, ldy, nc); break;
      default: break;
    }
  }
}

// bf16 panels hold a pair of k per 32-bit lane: the low half is k = 2j, the high half 2j + 1.
void DecodeBf16(const uint16_t* src, size_t K, float* dst) {
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  for (size_t j = 0; 2 * j < K; ++j) {
    for (int h = 0; h < 2; ++h) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j * 32 + h * 16));
      _mm256_store_ps(dst + 2 * j * kPanel + h * 8, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
      if (2 * j + 1 < K) _mm256_store_ps(dst + (2 * j + 1) * kPanel + h * 8, _mm256_castsi256_ps(_mm256_and_si256(v, high)));
    }
  }
}

// Quantised panels hold [g][16 c][4 i] bytes (simd_kernels.h): byte i of each 32-bit lane
// is k = 4g + i of that lane's column, so shifting lanes right by 8i lines up one k.
void DecodeQ8_0(const uint8_t* src, size_t K, float* dst) {
  const __m256i flip = _mm256_set1_epi32(static_cast<int>(0x80808080u));
  for (size_t kb = 0; kb < K; kb += 32) {
    const float* s = reinterpret_cast<const float*>(src);
    const __m256 sc[2] = {_mm256_loadu_ps(s), _mm256_loadu_ps(s + 8)};
    const uint8_t* q = src + 64;
    for (size_t g = 0; g < 8; ++g) {
      for (int h = 0; h < 2; ++h) {
        // Signed bytes (u − 128), then each byte i sign-extended to its lane.
        const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + g * 64 + h * 32)), flip);
        for (int i = 0; i < 4; ++i) {
          const __m256i w = _mm256_srai_epi32(_mm256_sllv_epi32(v, _mm256_set1_epi32(24 - 8 * i)), 24);
          _mm256_store_ps(dst + (kb + 4 * g + i) * kPanel + h * 8, _mm256_mul_ps(sc[h], _mm256_cvtepi32_ps(w)));
        }
      }
    }
    src += 64 + 32 * kPanel;
  }
}

void DecodeQ4_0(const uint8_t* src, size_t K, float* dst) {
  const __m256i low = _mm256_set1_epi32(0xf), eight = _mm256_set1_epi32(8);
  for (size_t kb = 0; kb < K; kb += 32) {
    const float* s = reinterpret_cast<const float*>(src);
    const __m256 sc[2] = {_mm256_loadu_ps(s), _mm256_loadu_ps(s + 8)};
    const uint8_t* q = src + 64;
    for (size_t g = 0; g < 4; ++g) {
      for (int h = 0; h < 2; ++h) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + g * 64 + h * 32));
        for (int i = 0; i < 4; ++i) {
          const __m256i b = _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_set1_epi32(8 * i)), _mm256_set1_epi32(0xff));
          const __m256i lo = _mm256_sub_epi32(_mm256_and_si256(b, low), eight);
          const __m256i hi = _mm256_sub_epi32(_mm256_srli_epi32(b, 4), eight);
          _mm256_store_ps(dst + (kb + 4 * g + i) * kPanel + h * 8, _mm256_mul_ps(sc[h], _mm256_cvtepi32_ps(lo)));
          _mm256_store_ps(dst + (kb + 16 + 4 * g + i) * kPanel + h * 8, _mm256_mul_ps(sc[h], _mm256_cvtepi32_ps(hi)));
        }
      }
    }
    src += 64 + 16 * kPanel;
  }
}

// e^x as in simd_avx512.cc, with 2^n built from the exponent bits (inputs clamped so that
// n stays in the normal range; e^−87 is already below every value that matters here).
inline __m256 Exp(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  x = _mm256_min_ps(x, _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

void VecGeluTanhGate(float* gate, const float* up, size_t n) {
  const __m256 c = _mm256_set1_ps(-2.0f * 0.7978845608028654f), a = _mm256_set1_ps(0.044715f), one = _mm256_set1_ps(1.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(gate + i), u = _mm256_loadu_ps(up + i);
    const __m256 inner = _mm256_mul_ps(c, _mm256_fmadd_ps(_mm256_mul_ps(a, x), _mm256_mul_ps(x, x), x));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, Exp(inner))), u));
  }
  for (; i < n; ++i) gate[i] = GeluTanh(gate[i]) * up[i];
}

void VecSoftmax(float* x, size_t n) {
  float mx = -INFINITY;
  for (size_t i = 0; i < n; ++i) mx = std::fmax(mx, x[i]);
  const __m256 vmax = _mm256_set1_ps(mx);
  __m256 vsum = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
    vsum = _mm256_add_ps(vsum, e);
    _mm256_storeu_ps(x + i, e);
  }
  float lanes[8], sum = 0;
  _mm256_storeu_ps(lanes, vsum);
  for (float l : lanes) sum += l;
  for (; i < n; ++i) sum += (x[i] = std::exp(x[i] - mx));
  const float inv = 1.0f / sum;
  for (i = 0; i < n; ++i) x[i] *= inv;
}

void RmsNorm(const float* x, const float* w, size_t dim, float eps, float* y) {
  __m256 s = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(x + i), s);
  float lanes[8], sum = 0;
  _mm256_storeu_ps(lanes, s);
  for (float l : lanes) sum += l;
  for (; i < dim; ++i) sum += x[i] * x[i];
  const float inv = 1.0f / std::sqrt(sum / static_cast<float>(dim) + eps);
  for (i = 0; i < dim; ++i) y[i] = x[i] * inv * (1.0f + w[i]);
}

}  // namespace

const SimdKernels& SimdKernelsAvx2() {
  static const SimdKernels k{Isa::kAvx2, GemmF32, DecodeBf16, DecodeQ8_0, DecodeQ4_0, nullptr, nullptr, QuantizeActivationsX8, QuantizeActivationsX16, VecGeluTanhGate, VecSoftmax, RmsNorm};
  return k;
}

}  // namespace gembed
