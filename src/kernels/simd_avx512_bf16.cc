// The bf16 path of the packed GEMM with AVX512-BF16 (this file alone is compiled with
// -mavx512bf16; it runs only when CpuHasAvx512Bf16()).
//
// vdpbf16ps multiplies a pair of bf16 values by a pair and adds both products into each f32
// lane: 32 multiply-adds per instruction, twice an f32 FMA. bf16 panels keep a pair of k per
// lane (simd_kernels.h) and the activation row, rounded to bf16, supplies its pair as one
// 32-bit broadcast. Tile: 8 rows × 2 panels, as the f32 kernel.
#include <immintrin.h>

#include <cstring>

#include "kernels/simd_kernels.h"

namespace gembed {
namespace {

constexpr int kRows = 8;

template <int MR, int NP>
inline void TileBf16(const uint16_t* x, size_t ldx, const uint16_t* p0, size_t panel_stride, size_t pairs, float* y,
                     size_t ldy, __mmask16 last_mask) {
  __m512 acc[MR][NP];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_ps();
  }
  for (size_t j = 0; j < pairs; ++j) {
    __m512bh w[NP];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) w[p] = (__m512bh)_mm512_loadu_si512(p0 + p * panel_stride + j * 2 * kPanel);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t pair;
      std::memcpy(&pair, x + r * ldx + 2 * j, 4);
      const __m512bh xb = (__m512bh)_mm512_set1_epi32(pair);
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_dpbf16_ps(acc[r][p], w[p], xb);
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
void RowsBf16(const uint16_t* x, size_t ldx, size_t rows, const uint16_t* p0, size_t panel_stride, size_t pairs,
              float* y, size_t ldy, __mmask16 mask) {
  size_t r = 0;
  for (; r + kRows <= rows; r += kRows) TileBf16<kRows, NP>(x + r * ldx, ldx, p0, panel_stride, pairs, y + r * ldy, ldy, mask);
  const uint16_t* xr = x + r * ldx;
  float* yr = y + r * ldy;
  switch (rows - r) {
    case 7: TileBf16<7, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    case 6: TileBf16<6, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    case 5: TileBf16<5, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    case 4: TileBf16<4, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    case 3: TileBf16<3, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    case 2: TileBf16<2, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    case 1: TileBf16<1, NP>(xr, ldx, p0, panel_stride, pairs, yr, ldy, mask); break;
    default: break;
  }
}

}  // namespace

void GemmBf16Avx512(const uint16_t* xb, size_t ldxb, size_t rows, const uint16_t* panels, size_t panel_stride,
                    size_t npanels, size_t K, float* y, size_t ldy, size_t cols) {
  const size_t pairs = (K + 1) / 2;
  for (size_t p = 0; p < npanels; p += 2) {
    const size_t np = npanels - p >= 2 ? 2 : 1;
    const size_t c0 = p * kPanel;
    const size_t last_cols = cols - c0 - (np - 1) * kPanel;
    const __mmask16 mask = last_cols >= kPanel ? 0xffff : static_cast<__mmask16>((1u << last_cols) - 1);
    if (np == 2) {
      RowsBf16<2>(xb, ldxb, rows, panels + p * panel_stride, panel_stride, pairs, y + c0, ldy, mask);
    } else {
      RowsBf16<1>(xb, ldxb, rows, panels + p * panel_stride, panel_stride, pairs, y + c0, ldy, mask);
    }
  }
}

}  // namespace gembed
