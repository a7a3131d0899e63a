// Portable baseline of the packed GEMM pieces: the reference every vector path is tested
// against, and what runs on CPUs without AVX2.
#include <cstring>

#include "kernels/ops.h"
#include "kernels/simd_kernels.h"

namespace gembed {
namespace {

void GemmF32(const float* x, size_t ldx, size_t rows, const float* panels, size_t panel_stride, size_t npanels,
             size_t K, float* y, size_t ldy, size_t cols) {
  for (size_t p = 0; p < npanels; ++p) {
    const float* P = panels + p * panel_stride;
    const size_t c0 = p * kPanel, nc = cols - c0 < kPanel ? cols - c0 : kPanel;
    for (size_t r = 0; r < rows; ++r) {
      float acc[kPanel] = {};
      const float* xr = x + r * ldx;
      for (size_t k = 0; k < K; ++k) {
        for (size_t c = 0; c < kPanel; ++c) acc[c] += xr[k] * P[k * kPanel + c];
      }
      std::memcpy(y + r * ldy + c0, acc, nc * sizeof(float));
    }
  }
}

void DecodeBf16(const uint16_t* src, size_t K, float* dst) {
  for (size_t i = 0; i < K * kPanel; ++i) {
    const uint32_t bits = static_cast<uint32_t>(src[i]) << 16;
    std::memcpy(&dst[i], &bits, 4);
  }
}

void DecodeQ8_0(const uint8_t* src, size_t K, float* dst) {
  for (size_t kb = 0; kb < K; kb += 32) {
    float scale[kPanel];
    std::memcpy(scale, src, sizeof scale);
    const int8_t* q = reinterpret_cast<const int8_t*>(src + sizeof scale);
    for (size_t j = 0; j < 32; ++j) {
      for (size_t c = 0; c < kPanel; ++c) dst[(kb + j) * kPanel + c] = scale[c] * q[j * kPanel + c];
    }
    src += sizeof scale + 32 * kPanel;
  }
}

void DecodeQ4_0(const uint8_t* src, size_t K, float* dst) {
  for (size_t kb = 0; kb < K; kb += 32) {
    float scale[kPanel];
    std::memcpy(scale, src, sizeof scale);
    const uint8_t* q = src + sizeof scale;
    for (size_t j = 0; j < 16; ++j) {
      for (size_t c = 0; c < kPanel; ++c) {
        const uint8_t b = q[j * kPanel + c];
        dst[(kb + j) * kPanel + c] = scale[c] * static_cast<float>((b & 0xf) - 8);
        dst[(kb + j + 16) * kPanel + c] = scale[c] * static_cast<float>((b >> 4) - 8);
      }
    }
    src += sizeof scale + 16 * kPanel;
  }
}

}  // namespace

void PackPanelsF32(const float* w, size_t ldw, size_t out, size_t in, float* dst) {
  const size_t np = (out + kPanel - 1) / kPanel;
  for (size_t p = 0; p < np; ++p) {
    float* P = dst + p * in * kPanel;
    for (size_t c = 0; c < kPanel; ++c) {
      const size_t r = p * kPanel + c;
      if (r < out) {
        const float* row = w + r * ldw;
        for (size_t k = 0; k < in; ++k) P[k * kPanel + c] = row[k];
      } else {
        for (size_t k = 0; k < in; ++k) P[k * kPanel + c] = 0.0f;
      }
    }
  }
}

void PackPanelsF32Transposed(const float* wt, size_t ldwt, size_t in, size_t out, size_t padded_in, float* dst) {
  for (size_t p = 0; p < out / kPanel; ++p) {
    float* P = dst + p * padded_in * kPanel;
    for (size_t k = 0; k < in; ++k) std::memcpy(P + k * kPanel, wt + k * ldwt + p * kPanel, kPanel * sizeof(float));
    std::memset(P + in * kPanel, 0, (padded_in - in) * kPanel * sizeof(float));
  }
}

const SimdKernels& SimdKernelsScalar() {
  static const SimdKernels k{Isa::kScalar, GemmF32, DecodeBf16, DecodeQ8_0, DecodeQ4_0, GeluTanhGate, Softmax, GemmaRmsNorm};
  return k;
}

}  // namespace gembed
