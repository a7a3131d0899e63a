// Scalar conversions from the storage dtypes of checkpoints (bf16, f16) to f32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gembed {

// bf16 is the top half of an IEEE f32: widening is exact.
inline float Bf16ToF32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// IEEE half → f32, exact for every value (subnormals, inf, NaN included).
float F16ToF32(uint16_t h);

// f32 → IEEE half, round to nearest even (as F16C and numpy); overflow gives inf.
uint16_t F32ToF16(float f);

// Converts n little-endian elements (as stored in safetensors) to f32.
void Bf16ToF32(const uint8_t* src, size_t n, float* dst);
void F16ToF32(const uint8_t* src, size_t n, float* dst);

}  // namespace gembed
