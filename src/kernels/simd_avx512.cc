// AVX-512 pieces of the packed GEMM (this file is compiled with -mavx512f/bw/vl/dq -mfma).
//
// Tile: 8 rows × 2 panels (32 columns) = 16 zmm accumulators. Per k the tile loads two
// weight vectors and broadcasts 8 activations (folded into the FMAs as {1to16} memory
// operands): 16 FMAs per 10 loads, enough to keep the FMA unit busy from L1/L2.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/simd_kernels.h"

namespace gembed {
namespace {

constexpr int kRows = 8;

template <int MR, int NP>
inline void Tile(const float* x, size_t ldx, const float* p0, size_t panel_stride, size_t K, float* y, size_t ldy,
                 __mmask16 last_mask) {
  __m512 acc[MR][NP];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_ps();
  }
  for (size_t k = 0; k < K; ++k) {
    __m512 w[NP];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) w[p] = _mm512_load_ps(p0 + p * panel_stride + k * kPanel);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 xb = _mm512_set1_ps(x[r * ldx + k]);
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_fmadd_ps(xb, w[p], acc[r][p]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) {
      float* dst = y + r * ldy + p * kPanel;
      if (p == NP - 1 && last_mask != 0xffff) {
        _mm512_mask_storeu_ps(dst, last_mask, acc[r][p]);
      } else {
        _mm512_storeu_ps(dst, acc[r][p]);
      }
    }
  }
}

template <int NP>
void RowsTile(const float* x, size_t ldx, size_t rows, const float* p0, size_t panel_stride, size_t K, float* y,
              size_t ldy, __mmask16 mask) {
  size_t r = 0;
  for (; r + kRows <= rows; r += kRows) Tile<kRows, NP>(x + r * ldx, ldx, p0, panel_stride, K, y + r * ldy, ldy, mask);
  const float* xr = x + r * ldx;
  float* yr = y + r * ldy;
  switch (rows - r) {
    case 7: Tile<7, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    case 6: Tile<6, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    case 5: Tile<5, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    case 4: Tile<4, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    case 3: Tile<3, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    case 2: Tile<2, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    case 1: Tile<1, NP>(xr, ldx, p0, panel_stride, K, yr, ldy, mask); break;
    default: break;
  }
}

void GemmF32(const float* x, size_t ldx, size_t rows, const float* panels, size_t panel_stride, size_t npanels,
             size_t K, float* y, size_t ldy, size_t cols) {
  for (size_t p = 0; p < npanels; p += 2) {
    const size_t np = npanels - p >= 2 ? 2 : 1;
    const size_t c0 = p * kPanel;
    const size_t last_cols = cols - c0 - (np - 1) * kPanel;  // columns of the last panel
    const __mmask16 mask = last_cols >= kPanel ? 0xffff : static_cast<__mmask16>((1u << last_cols) - 1);
    if (np == 2) {
      RowsTile<2>(x, ldx, rows, panels + p * panel_stride, panel_stride, K, y + c0, ldy, mask);
    } else {
      RowsTile<1>(x, ldx, rows, panels + p * panel_stride, panel_stride, K, y + c0, ldy, mask);
    }
  }
}

// bf16 panels hold a pair of k per 32-bit lane: the low half is k = 2j, the high half 2j + 1.
void DecodeBf16(const uint16_t* src, size_t K, float* dst) {
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  for (size_t j = 0; 2 * j < K; ++j) {
    const __m512i v = _mm512_loadu_si512(src + j * 32);
    _mm512_store_ps(dst + 2 * j * kPanel, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
    if (2 * j + 1 < K) _mm512_store_ps(dst + (2 * j + 1) * kPanel, _mm512_castsi512_ps(_mm512_and_si512(v, high)));
  }
}

// Quantised panels hold [g][16 c][4 i] bytes (simd_kernels.h): byte i of each 32-bit lane
// is k = 4g + i of that lane's column.
void DecodeQ8_0(const uint8_t* src, size_t K, float* dst) {
  const __m512i flip = _mm512_set1_epi32(static_cast<int>(0x80808080u));
  for (size_t kb = 0; kb < K; kb += 32) {
    const __m512 scale = _mm512_loadu_ps(reinterpret_cast<const float*>(src));
    const uint8_t* q = src + 64;
    for (size_t g = 0; g < 8; ++g) {
      const __m512i v = _mm512_xor_si512(_mm512_loadu_si512(q + g * 64), flip);  // signed bytes
      _mm512_store_ps(dst + (kb + 4 * g) * kPanel, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(v, 24), 24))));
      _mm512_store_ps(dst + (kb + 4 * g + 1) * kPanel, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(v, 16), 24))));
      _mm512_store_ps(dst + (kb + 4 * g + 2) * kPanel, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(v, 8), 24))));
      _mm512_store_ps(dst + (kb + 4 * g + 3) * kPanel, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_srai_epi32(v, 24))));
    }
    src += 64 + 32 * kPanel;
  }
}

void DecodeQ4_0(const uint8_t* src, size_t K, float* dst) {
  const __m512i nib = _mm512_set1_epi32(0xf), eight = _mm512_set1_epi32(8);
  for (size_t kb = 0; kb < K; kb += 32) {
    const __m512 scale = _mm512_loadu_ps(reinterpret_cast<const float*>(src));
    const uint8_t* q = src + 64;
    for (size_t g = 0; g < 4; ++g) {
      const __m512i v = _mm512_loadu_si512(q + g * 64);
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) {
        const __m512i b = _mm512_srli_epi32(v, 8 * i);
        const __m512i lo = _mm512_sub_epi32(_mm512_and_si512(b, nib), eight);
        const __m512i hi = _mm512_sub_epi32(_mm512_and_si512(_mm512_srli_epi32(b, 4), nib), eight);
        _mm512_store_ps(dst + (kb + 4 * g + i) * kPanel, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(lo)));
        _mm512_store_ps(dst + (kb + 16 + 4 * g + i) * kPanel, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(hi)));
      }
    }
    src += 64 + 16 * kPanel;
  }
}

// QuantizeActivationsX8 with the same operations in the same order (max, divide, multiply,
// round to nearest even, clamp), so the bytes and scales are identical.
void QuantizeX8(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx) {
  const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
  for (size_t b = 0; b < K / 32; ++b) {
    const __m512 a = _mm512_loadu_ps(x + b * 32), c = _mm512_loadu_ps(x + b * 32 + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(c)));
    const float d = amax / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
    const __m512 vid = _mm512_set1_ps(id);
    const __m512 qa = _mm512_min_ps(_mm512_max_ps(_mm512_roundscale_ps(_mm512_mul_ps(a, vid), _MM_FROUND_TO_NEAREST_INT), lo), hi);
    const __m512 qc = _mm512_min_ps(_mm512_max_ps(_mm512_roundscale_ps(_mm512_mul_ps(c, vid), _MM_FROUND_TO_NEAREST_INT), lo), hi);
    const __m512i ia = _mm512_cvtps_epi32(qa), ic = _mm512_cvtps_epi32(qc);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(xq + b * 32), _mm512_cvtsepi32_epi8(ia));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(xq + b * 32 + 16), _mm512_cvtsepi32_epi8(ic));
    dx[b] = d;
    sx[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(ia, ic));
  }
}

// QuantizeActivationsX16 likewise (same operations and order, then the hi/lo split in
// integers).
void QuantizeX16(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx) {
  const __m512 lo = _mm512_set1_ps(-32512.0f), hi = _mm512_set1_ps(32512.0f);
  const __m512i half = _mm512_set1_epi32(128);
  for (size_t b = 0; b < K / 32; ++b) {
    const __m512 a = _mm512_loadu_ps(x + b * 32), c = _mm512_loadu_ps(x + b * 32 + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(c)));
    const float d = amax / 32512.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
    const __m512 vid = _mm512_set1_ps(id);
    const __m512 halves[2] = {a, c};
    __m512i v[2];
    for (int i = 0; i < 2; ++i) {
      const __m512 q = _mm512_min_ps(_mm512_max_ps(_mm512_roundscale_ps(_mm512_mul_ps(halves[i], vid), _MM_FROUND_TO_NEAREST_INT), lo), hi);
      v[i] = _mm512_cvtps_epi32(q);
      const __m512i top = _mm512_srai_epi32(_mm512_add_epi32(v[i], half), 8);
      const __m512i bottom = _mm512_sub_epi32(v[i], _mm512_slli_epi32(top, 8));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(xq + b * 32 + 16 * i), _mm512_cvtsepi32_epi8(top));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(xq + K + b * 32 + 16 * i), _mm512_cvtsepi32_epi8(bottom));
    }
    dx[b] = d;
    sx[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(v[0], v[1]));
  }
}

// e^x: x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for e^r (relative error
// < 2e-7), then scalef multiplies by 2^n (and handles over/underflow).
inline __m512 Exp(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-104.0f));
  x = _mm512_min_ps(x, _mm512_set1_ps(89.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// gelu_tanh(x) = ½x(1 + tanh(u)) = x / (1 + e^(−2u)),  u = √(2/π)(x + 0.044715x³).
void VecGeluTanhGate(float* gate, const float* up, size_t n) {
  const __m512 c = _mm512_set1_ps(-2.0f * 0.7978845608028654f), a = _mm512_set1_ps(0.044715f), one = _mm512_set1_ps(1.0f);
  size_t i = 0;
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 x = _mm512_maskz_loadu_ps(m, gate + i), u = _mm512_maskz_loadu_ps(m, up + i);
    const __m512 inner = _mm512_mul_ps(c, _mm512_fmadd_ps(_mm512_mul_ps(a, x), _mm512_mul_ps(x, x), x));
    const __m512 g = _mm512_div_ps(x, _mm512_add_ps(one, Exp(inner)));
    _mm512_mask_storeu_ps(gate + i, m, _mm512_mul_ps(g, u));
  }
}

void VecSoftmax(float* x, size_t n) {
  __m512 mx = _mm512_set1_ps(-INFINITY);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (n - i)) - 1);
    mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, x + i));
  }
  const __m512 vmax = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  __m512 sum = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 e = Exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmax));
    sum = _mm512_mask_add_ps(sum, m, sum, e);
    _mm512_mask_storeu_ps(x + i, m, e);
  }
  const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
  }
}

void RmsNorm(const float* x, const float* w, size_t dim, float eps, float* y) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    s0 = _mm512_fmadd_ps(a, a, s0);
    s1 = _mm512_fmadd_ps(b, b, s1);
  }
  for (; i < dim; i += 16) {
    const __mmask16 m = dim - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (dim - i)) - 1);
    const __m512 a = _mm512_maskz_loadu_ps(m, x + i);
    s0 = _mm512_fmadd_ps(a, a, s0);
  }
  const float mean = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) / static_cast<float>(dim);
  const __m512 inv = _mm512_set1_ps(1.0f / std::sqrt(mean + eps)), one = _mm512_set1_ps(1.0f);
  for (i = 0; i < dim; i += 16) {
    const __mmask16 m = dim - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (dim - i)) - 1);
    const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(v, _mm512_add_ps(one, _mm512_maskz_loadu_ps(m, w + i))));
  }
}

}  // namespace

const SimdKernels& SimdKernelsAvx512() {
  static const SimdKernels k{Isa::kAvx512,      GemmF32,         DecodeBf16, DecodeQ8_0, DecodeQ4_0,
                             CpuHasAvx512Vnni() ? GemmX8Avx512Vnni : nullptr,
                             CpuHasAvx512Bf16() ? GemmBf16Avx512 : nullptr,   QuantizeX8, QuantizeX16, VecGeluTanhGate, VecSoftmax, RmsNorm};
  return k;
}

}  // namespace gembed
