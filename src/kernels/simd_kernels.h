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
//   bf16  [K/2 j][16 c][2 i] bf16 bits (u16) of k = 2j + i (K rounded up to even, the pad 0):
//         a pair of k per 32-bit lane, the operand of AVX512-BF16's vdpbf16ps
//   q8_0  per 32 k: 16 f32 scales, then [8 g][16 c][4 i] bytes: q + 128 of k0+4g+i, column c
//   q4_0  per 32 k: 16 f32 scales, then [4 g][16 c][4 i] bytes: q + 8 of k0+4g+i (low
//         nibble) and of k0+16+4g+i (high nibble), column c
// The quantised layouts put 4 consecutive k of one column in one 32-bit lane, unsigned:
// exactly the operand of AVX-512 VNNI's vpdpbusd (u8 × s8, 4 products summed per lane), so
// the int8 path multiplies the stored bytes with no unpacking (q4_0: one AND / shift).
//
// The int8 path (gemm_x8): activations are quantised per row and 32-k block like GGML's
// Q8_0 (xq = round(x / dx), dx = max|x| / 127, sx = Σ xq), and
//   y[r, c] = Σ_b fma(float(Σ_k xq·u − off·sx), dw[c, b]·dx[r, b], ·)   in block order
// where u are the stored unsigned bytes and off = 128 (q8_0) or 8 (q4_0). Integer sums are
// exact, so every implementation of it gives bit-identical results.
//
// The 16-bit variant (x16 = true): activations are quantised to ±32512 per 32-k block
// (dx = max|x| / 32512, 15 bits instead of 7) and stored as two int8 planes per row,
// xq16 = 256·hi + lo (hi ∈ ±127, lo ∈ [−128, 127]; row = K hi bytes then K lo bytes). The
// same formula holds with xq16 in place of xq; the kernels run vpdpbusd over the hi plane,
// shift the int32 sums left by 8, and go on over the lo plane: twice the int8 work for an
// activation error 256× smaller (close to f32 activations), still exact integer sums.
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
  // The int8 path over `npanels` q8_0 (q4 false) or q4_0 panels, panel_bytes apart, for
  // `rows` quantised activation rows (xq: rows × K int8, K apart, or under x16 rows × 2K,
  // 2K apart; dx, sx: rows × K/32). Null where the CPU has no fast int8 dot product (then
  // quantised panels are decoded to f32 instead).
  void (*gemm_x8)(const int8_t* xq, const float* dx, const int32_t* sx, size_t rows, size_t K, const uint8_t* panels,
                  size_t panel_bytes, size_t npanels, bool q4, bool x16, float* y, size_t ldy, size_t cols);
  // The bf16 path: y[r, c] = Σ_j (x[r,2j]·w[c,2j] + x[r,2j+1]·w[c,2j+1]) with x rounded to
  // bf16 (xb: rows × K2 u16, K2 = K rounded up to even, ldxb apart), over `npanels` bf16
  // panels. Null where the CPU has no bf16 dot product (AVX512-BF16).
  void (*gemm_bf16)(const uint16_t* xb, size_t ldxb, size_t rows, const uint16_t* panels, size_t panel_stride,
                    size_t npanels, size_t K, float* y, size_t ldy, size_t cols);
  // QuantizeActivationsX8 (below), vectorised; identical results for finite inputs.
  void (*quantize_x8)(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx);
  // QuantizeActivationsX16 (below), vectorised; identical results for finite inputs.
  void (*quantize_x16)(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx);

  // Element-wise ops, same contracts as the reference versions in ops.h (to within f32
  // rounding: exp is a polynomial here, sums are not in double).
  void (*gelu_tanh_gate)(float* gate, const float* up, size_t n);
  void (*softmax)(float* x, size_t n);
  void (*rms_norm)(const float* x, const float* w, size_t dim, float eps, float* y);
};

const SimdKernels& SimdKernelsScalar();
const SimdKernels& SimdKernelsAvx2();
const SimdKernels& SimdKernelsAvx512();
// gemm_x8 with AVX-512 VNNI (simd_avx512_vnni.cc); only call when CpuHasAvx512Vnni().
void GemmX8Avx512Vnni(const int8_t* xq, const float* dx, const int32_t* sx, size_t rows, size_t K,
                      const uint8_t* panels, size_t panel_bytes, size_t npanels, bool q4, bool x16, float* y,
                      size_t ldy, size_t cols);
bool CpuHasAvx512Vnni();
// gemm_bf16 with AVX512-BF16 (simd_avx512_bf16.cc); only call when CpuHasAvx512Bf16().
void GemmBf16Avx512(const uint16_t* xb, size_t ldxb, size_t rows, const uint16_t* panels, size_t panel_stride,
                    size_t npanels, size_t K, float* y, size_t ldy, size_t cols);
bool CpuHasAvx512Bf16();
// One activation row rounded to bf16 (nearest even; NaN stays NaN), K2 = K rounded up to
// even values written (the pad 0).
void RoundRowToBf16(const float* x, size_t K, uint16_t* dst);
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

// Quantises one activation row of K (a multiple of 32) for gemm_x8: xq[K], dx/sx[K/32].
void QuantizeActivationsX8(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx);
// The same for the 16-bit variant: xq[2K] (hi plane, then lo plane), dx/sx[K/32] with
// sx = Σ (256·hi + lo).
void QuantizeActivationsX16(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx);

// Bytes of one packed panel for K inputs.
inline size_t PanelBytesF32(size_t K) { return K * kPanel * 4; }
inline size_t PanelBytesBf16(size_t K) { return (K + 1) / 2 * 2 * kPanel * 2; }
inline size_t PanelBytesQ8_0(size_t K) { return K / 32 * (kPanel * 4 + 32 * kPanel); }
inline size_t PanelBytesQ4_0(size_t K) { return K / 32 * (kPanel * 4 + 16 * kPanel); }

}  // namespace gembed
