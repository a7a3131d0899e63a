// The int8 path of the packed GEMM with AVX-512 VNNI (this file alone is compiled with
// -mavx512vnni, so no other code can pick up VNNI instructions by auto-vectorisation and
// fault on AVX-512 CPUs without them; it runs only when CpuHasAvx512Vnni()).
//
// vpdpbusd multiplies 4 unsigned bytes by 4 signed bytes and adds the 4 products into each
// 32-bit lane: 64 multiply-adds per instruction, 4× an f32 FMA. The panels store each
// column's weights as unsigned bytes, 4 consecutive k to a lane (simd_kernels.h), and the
// activation row's 4 signed bytes are broadcast to every lane straight from memory.
//
// Tile: MR rows × 2 panels. Per 32-k block the tile sums in int32 (8 vpdpbusd per row and
// panel, 4 loads + 4 AND/shift for q4_0's nibbles), then folds the block into f32:
//   acc = fma(float(isum − off·sx), dw·dx, acc)         (the scalar GemmX8's exact order)
#include <immintrin.h>

#include <cstring>

#include "kernels/simd_kernels.h"

namespace gembed {
namespace {

constexpr int kRows = 4;

inline __m512i Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

template <int MR, int NP, bool Q4>
inline void AddBlockProducts(const int8_t* xb, size_t ldx, const uint8_t* const* blk, __m512i (&isum)[MR][NP]) {
  const __m512i nib = _mm512_set1_epi8(0x0f);
  if constexpr (Q4) {
#pragma GCC unroll 4
    for (int g = 0; g < 4; ++g) {
      __m512i lo[NP], hi[NP];
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) {
        const __m512i v = _mm512_loadu_si512(blk[p] + 64 + g * 64);
        lo[p] = _mm512_and_si512(v, nib);
        hi[p] = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
      }
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m512i xl = Broadcast4(xb + r * ldx + 4 * g), xh = Broadcast4(xb + r * ldx + 16 + 4 * g);
#pragma GCC unroll 2
        for (int p = 0; p < NP; ++p) {
          isum[r][p] = _mm512_dpbusd_epi32(isum[r][p], lo[p], xl);
          isum[r][p] = _mm512_dpbusd_epi32(isum[r][p], hi[p], xh);
        }
      }
    }
  } else {
#pragma GCC unroll 8
    for (int g = 0; g < 8; ++g) {
      __m512i w[NP];
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) w[p] = _mm512_loadu_si512(blk[p] + 64 + g * 64);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m512i xv = Broadcast4(xb + r * ldx + 4 * g);
#pragma GCC unroll 2
        for (int p = 0; p < NP; ++p) isum[r][p] = _mm512_dpbusd_epi32(isum[r][p], w[p], xv);
      }
    }
  }
}

// X16: the activation rows are two planes (hi, lo; K bytes each); the block's int32 sums
// over the hi plane are shifted left by 8 before the lo plane's products are added, which
// is Σ u·(256·hi + lo) exactly (|sum| < 2^29). The weights are read again for the second
// plane: they are in L1, and one set of accumulators keeps the tile in registers.
template <int MR, int NP, bool Q4, bool X16>
inline void TileX8(const int8_t* xq, size_t K, const float* dx, const int32_t* sx, const uint8_t* p0,
                   size_t panel_bytes, float* y, size_t ldy, __mmask16 last_mask) {
  constexpr size_t kBlockBytes = 64 + (Q4 ? 16 : 32) * kPanel;
  const size_t nb = K / 32, ldx = X16 ? 2 * K : K;
  __m512 acc[MR][NP];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_ps();
  }
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk[NP];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) blk[p] = p0 + p * panel_bytes + b * kBlockBytes;
    __m512i isum[MR][NP];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) isum[r][p] = _mm512_setzero_si512();
    }
    AddBlockProducts<MR, NP, Q4>(xq + b * 32, ldx, blk, isum);
    if constexpr (X16) {
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
        for (int p = 0; p < NP; ++p) isum[r][p] = _mm512_slli_epi32(isum[r][p], 8);
      }
      AddBlockProducts<MR, NP, Q4>(xq + K + b * 32, ldx, blk, isum);
    }
    __m512 dw[NP];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) dw[p] = _mm512_loadu_ps(reinterpret_cast<const float*>(blk[p]));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512i corr = _mm512_set1_epi32((Q4 ? 8 : 128) * sx[r * nb + b]);
      const __m512 d = _mm512_set1_ps(dx[r * nb + b]);
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) {
        const __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(isum[r][p], corr));
        acc[r][p] = _mm512_fmadd_ps(v, _mm512_mul_ps(dw[p], d), acc[r][p]);
      }
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

template <int NP, bool Q4, bool X16>
void RowsX8(const int8_t* xq, const float* dx, const int32_t* sx, size_t rows, size_t K, const uint8_t* p0,
            size_t panel_bytes, float* y, size_t ldy, __mmask16 mask) {
  const size_t nb = K / 32, ldx = X16 ? 2 * K : K;
  size_t r = 0;
  for (; r + kRows <= rows; r += kRows) {
    TileX8<kRows, NP, Q4, X16>(xq + r * ldx, K, dx + r * nb, sx + r * nb, p0, panel_bytes, y + r * ldy, ldy, mask);
  }
  const int8_t* xr = xq + r * ldx;
  switch (rows - r) {
    case 3: TileX8<3, NP, Q4, X16>(xr, K, dx + r * nb, sx + r * nb, p0, panel_bytes, y + r * ldy, ldy, mask); break;
    case 2: TileX8<2, NP, Q4, X16>(xr, K, dx + r * nb, sx + r * nb, p0, panel_bytes, y + r * ldy, ldy, mask); break;
    case 1: TileX8<1, NP, Q4, X16>(xr, K, dx + r * nb, sx + r * nb, p0, panel_bytes, y + r * ldy, ldy, mask); break;
    default: break;
  }
}

template <bool Q4, bool X16>
void GemmX8(const int8_t* xq, const float* dx, const int32_t* sx, size_t rows, size_t K, const uint8_t* panels,
            size_t panel_bytes, size_t npanels, float* y, size_t ldy, size_t cols) {
  for (size_t p = 0; p < npanels; p += 2) {
    const size_t np = npanels - p >= 2 ? 2 : 1;
    const size_t c0 = p * kPanel;
    const size_t last_cols = cols - c0 - (np - 1) * kPanel;
    const __mmask16 mask = last_cols >= kPanel ? 0xffff : static_cast<__mmask16>((1u << last_cols) - 1);
    const uint8_t* p0 = panels + p * panel_bytes;
    if (np == 2) {
      RowsX8<2, Q4, X16>(xq, dx, sx, rows, K, p0, panel_bytes, y + c0, ldy, mask);
    } else {
      RowsX8<1, Q4, X16>(xq, dx, sx, rows, K, p0, panel_bytes, y + c0, ldy, mask);
    }
  }
}

}  // namespace

void GemmX8Avx512Vnni(const int8_t* xq, const float* dx, const int32_t* sx, size_t rows, size_t K,
                      const uint8_t* panels, size_t panel_bytes, size_t npanels, bool q4, bool x16, float* y,
                      size_t ldy, size_t cols) {
  auto* gemm = q4 ? (x16 ? GemmX8<true, true> : GemmX8<true, false>) : (x16 ? GemmX8<false, true> : GemmX8<false, false>);
  gemm(xq, dx, sx, rows, K, panels, panel_bytes, npanels, y, ldy, cols);
}

}  // namespace gembed
