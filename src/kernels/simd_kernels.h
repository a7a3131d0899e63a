// The per-ISA vector kernels: the inner pieces of the packed matrix multiply, and the
// element-wise ops of the encoder (one table per ISA, picked at run time).
//
// Every weight matrix W[out, in] is stored as panels of kPanel = 16 output columns. A panel
// holds, for each input index k, the 16 weights W[c0..c0+15, k] side by side, so the inner
// loop reads weights with unit stride and broadcasts one activation per row: an outer
// product that needs no horizontal sums. Quantised panels are decoded into an f32 panel
// in a small scratch buffer first; the f32 tile kernel then does all the arithmetic, so
// every weight type shares one tuned loop.
//
// Packed panel layouts (K = in):
//   f32   [K][16] floats
//   bf16  [K][16] bf16 bits (u16)
//   q8_0  per 32 k: 16 f32 scales, then [32][16] int8
//   q4_0  per 32 k: 16 f32 scales, then [16][16] bytes: byte (j, c) holds k0+j (low
//         nibble) and k0+j+16 (high nibble) of column c, stored as q + 8
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"

namespace gembed {

inline constexpr size_t kPanel = 16;

struct SimdKernels {
  Isa isa;
  // y[r, c] = Σ_k x[r, k] · P[c][k] for r < rows, c < cols, over `npanels` consecutive
  // f32 panels ([K][16] each, panel_stride floats apart). cols ≤ npanels·16; columns past
  // `cols` are not written.
  void (*gemm_f32)(const float* x, size_t ldx, size_t rows, const float* panels, size_t panel_stride,
                   size_t npanels, size_t K, float* y, size_t ldy, size_t cols);
  // Decode one packed panel into f32 [K][16].
  void (*decode_bf16)(const uint16_t* src, size_t K, float* dst);
  void (*decode_q8_0)(const uint8_t* src, size_t K, float* dst);
  void (*decode_q4_0)(const uint8_t* src, size_t K, float* dst);

  // Element-wise ops, same contracts as the reference versions in ops.h (to within f32
  // rounding: exp is a polynomial here, sums are not in double).
  void (*gelu_tanh_gate)(float* gate, const float* up, size_t n);
  void (*softmax)(float* x, size_t n);
  void (*rms_norm)(const float* x, const float* w, size_t dim, float eps, float* y);
};

const SimdKernels& SimdKernelsScalar();
const SimdKernels& SimdKernelsAvx2();
const SimdKernels& SimdKernelsAvx512();
// The kernels for `isa` (must be supported), or for BestIsa().
const SimdKernels& SimdKernelsFor(Isa isa);
const SimdKernels& BestSimdKernels();

// Packs a row-major W[out, in] (rows ldw floats apart) into f32 panels at dst
// ([ceil(out/16)][in][16], zero-filled past `out`), e.g. attention keys as "weights".
void PackPanelsF32(const float* w, size_t ldw, size_t out, size_t in, float* dst);
// Packs Wᵀ given as wt[in, out] (rows ldwt floats apart): attention values, whose rows are
// the reduction index. out must be a multiple of 16. Panels are padded_in ≥ in rows long,
// the extra rows zero, so a caller may reduce over whole panels of a padded length.
void PackPanelsF32Transposed(const float* wt, size_t ldwt, size_t in, size_t out, size_t padded_in, float* dst);

// Bytes of one packed panel for K inputs.
inline size_t PanelBytesF32(size_t K) { return K * kPanel * 4; }
inline size_t PanelBytesBf16(size_t K) { return K * kPanel * 2; }
inline size_t PanelBytesQ8_0(size_t K) { return K / 32 * (kPanel * 4 + 32 * kPanel); }
inline size_t PanelBytesQ4_0(size_t K) { return K / 32 * (kPanel * 4 + 16 * kPanel); }

}  // namespace gembed
