// Block-quantised weight formats, bit-compatible with GGML/GGUF so that files move between
// gembed, llama.cpp and Ollama unchanged.
//
//   Q8_0: 32 weights = f16 scale d + 32 × int8 q;            w = d · q
//   Q4_0: 32 weights = f16 scale d + 16 bytes of nibbles;     w = d · (q − 8)
//         byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
//   Q6_K: 256 weights (read only: Ollama ships token embeddings in it).
//
// Rows are quantised independently; a row's length must be a multiple of the block size.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/convert.h"

namespace gembed {

inline constexpr size_t kQ8Block = 32;
inline constexpr size_t kQ4Block = 32;
inline constexpr size_t kQKBlock = 256;

struct BlockQ8_0 {
  uint16_t d;  // f16 bits
  int8_t qs[32];
};
struct BlockQ4_0 {
  uint16_t d;  // f16 bits
  uint8_t qs[16];
};
struct BlockQ6_K {
  uint8_t ql[128];     // low 4 bits of the 6-bit quants
  uint8_t qh[64];      // high 2 bits
  int8_t scales[16];   // 8-bit scale of each 16-weight sub-block
  uint16_t d;          // f16 super-block scale
};
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ6_K) == 210);

// x[n] → n/32 blocks, exactly as GGML's reference quantisers round (so a file we write
// matches one llama-quantize writes from the same f32 values).
void QuantizeRowQ8_0(const float* x, size_t n, BlockQ8_0* y);
void QuantizeRowQ4_0(const float* x, size_t n, BlockQ4_0* y);

// Grid-preserving Q4_0: a QAT checkpoint's block already lies on a symmetric int4 grid
// {k·s : −8 ≤ k ≤ 7}; GGML's rule (d = max/−8) can miss that grid when the largest magnitude is
// positive (+7s). This tries the candidate scales and keeps the one with the smallest error,
// so grid values come back exactly; for other data it is never worse than GGML's rule.
void QuantizeRowQ4_0Grid(const float* x, size_t n, BlockQ4_0* y);
// Same idea for Q8_0 (grid {k·s : −127 ≤ k ≤ 127}).
void QuantizeRowQ8_0Grid(const float* x, size_t n, BlockQ8_0* y);

void DequantizeRowQ8_0(const BlockQ8_0* x, size_t n, float* y);
void DequantizeRowQ4_0(const BlockQ4_0* x, size_t n, float* y);
void DequantizeRowQ6_K(const BlockQ6_K* x, size_t n, float* y);

}  // namespace gembed
