// Portable baseline of the packed GEMM pieces: the reference every vector path is tested
// against, and what runs on CPUs without AVX2.
#include <algorithm>
#include <cmath>
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
  for (size_t k = 0; k < K; ++k) {
    for (size_t c = 0; c < kPanel; ++c) {
      const uint32_t bits = static_cast<uint32_t>(src[((k / 2) * kPanel + c) * 2 + k % 2]) << 16;
      std::memcpy(&dst[k * kPanel + c], &bits, 4);
    }
  }
}

inline float Bf16ToF32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The bf16 path written out plainly: each pair's two products added in k order.
void GemmBf16(const uint16_t* xb, size_t ldxb, size_t rows, const uint16_t* panels, size_t panel_stride,
              size_t npanels, size_t K, float* y, size_t ldy, size_t cols) {
  const size_t pairs = (K + 1) / 2;
  for (size_t p = 0; p < npanels; ++p) {
    const uint16_t* P = panels + p * panel_stride;
    const size_t c0 = p * kPanel, nc = cols - c0 < kPanel ? cols - c0 : kPanel;
    for (size_t r = 0; r < rows; ++r) {
      const uint16_t* xr = xb + r * ldxb;
      for (size_t c = 0; c < nc; ++c) {
        float acc = 0.0f;
        for (size_t j = 0; j < pairs; ++j) {
          acc += Bf16ToF32(xr[2 * j]) * Bf16ToF32(P[(j * kPanel + c) * 2]);
          acc += Bf16ToF32(xr[2 * j + 1]) * Bf16ToF32(P[(j * kPanel + c) * 2 + 1]);
        }
        y[r * ldy + c0 + c] = acc;
      }
    }
  }
}

void DecodeQ8_0(const uint8_t* src, size_t K, float* dst) {
  for (size_t kb = 0; kb < K; kb += 32) {
    float scale[kPanel];
    std::memcpy(scale, src, sizeof scale);
    const uint8_t* q = src + sizeof scale;
    for (size_t g = 0; g < 8; ++g) {
      for (size_t c = 0; c < kPanel; ++c) {
        for (size_t i = 0; i < 4; ++i) {
          dst[(kb + 4 * g + i) * kPanel + c] = scale[c] * static_cast<float>(q[(g * kPanel + c) * 4 + i] - 128);
        }
      }
    }
    src += sizeof scale + 32 * kPanel;
  }
}

void DecodeQ4_0(const uint8_t* src, size_t K, float* dst) {
  for (size_t kb = 0; kb < K; kb += 32) {
    float scale[kPanel];
    std::memcpy(scale, src, sizeof scale);
    const uint8_t* q = src + sizeof scale;
    for (size_t g = 0; g < 4; ++g) {
      for (size_t c = 0; c < kPanel; ++c) {
        for (size_t i = 0; i < 4; ++i) {
          const uint8_t b = q[(g * kPanel + c) * 4 + i];
          dst[(kb + 4 * g + i) * kPanel + c] = scale[c] * static_cast<float>((b & 0xf) - 8);
          dst[(kb + 16 + 4 * g + i) * kPanel + c] = scale[c] * static_cast<float>((b >> 4) - 8);
        }
      }
    }
    src += sizeof scale + 16 * kPanel;
  }
}

// The int8 path, written out plainly: the definition the VNNI kernel must match bit for bit.
void GemmX8(const int8_t* xq, const float* dx, const int32_t* sx, size_t rows, size_t K, const uint8_t* panels,
            size_t panel_bytes, size_t npanels, bool q4, bool x16, float* y, size_t ldy, size_t cols) {
  const size_t nb = K / 32, block_bytes = 64 + (q4 ? 16 : 32) * kPanel;
  const int32_t off = q4 ? 8 : 128;
  for (size_t p = 0; p < npanels; ++p) {
    const size_t c0 = p * kPanel, nc = cols - c0 < kPanel ? cols - c0 : kPanel;
    for (size_t r = 0; r < rows; ++r) {
      const int8_t* xr = xq + r * K * (x16 ? 2 : 1);
      for (size_t c = 0; c < nc; ++c) {
        float acc = 0.0f;
        for (size_t b = 0; b < nb; ++b) {
          const uint8_t* blk = panels + p * panel_bytes + b * block_bytes;
          float dw;
          std::memcpy(&dw, blk + c * 4, 4);
          const uint8_t* q = blk + 64;
          int32_t sum = 0;
          for (size_t k = 0; k < 32; ++k) {
            uint32_t u;
            if (q4) {
              const uint8_t byte = q[((k % 16) / 4 * kPanel + c) * 4 + k % 4];
              u = k < 16 ? byte & 0xf : byte >> 4;
            } else {
              u = q[((k / 4) * kPanel + c) * 4 + k % 4];
            }
            const int32_t a = x16 ? 256 * xr[b * 32 + k] + xr[K + b * 32 + k] : xr[b * 32 + k];
            sum += static_cast<int32_t>(u) * a;
          }
          const float scale = dw * dx[r * nb + b];
          acc = std::fma(static_cast<float>(sum - off * sx[r * nb + b]), scale, acc);
        }
        y[r * ldy + c0 + c] = acc;
      }
    }
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

void RoundRowToBf16(const float* x, size_t K, uint16_t* dst) {
  for (size_t k = 0; k < K; ++k) {
    uint32_t bits;
    std::memcpy(&bits, &x[k], 4);
    const bool nan = (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu);
    dst[k] = static_cast<uint16_t>(nan ? (bits >> 16) | 0x40 : (bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
  }
  if (K % 2) dst[K] = 0;
}

// max |x| over one 32-value activation block: the scale of both activation quantisers.
static float BlockAbsMax(const float* xb) {
  float amax = 0.0f;
  for (size_t k = 0; k < 32; ++k) amax = std::max(amax, std::fabs(xb[k]));
  return amax;
}

void QuantizeActivationsX8(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx) {
  for (size_t b = 0; b < K / 32; ++b) {
    const float* xb = x + b * 32;
    const float amax = BlockAbsMax(xb);
    const float d = amax / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
    int32_t sum = 0;
    for (size_t k = 0; k < 32; ++k) {
      float q = std::nearbyint(xb[k] * id);
      q = q != q ? 0.0f : std::clamp(q, -127.0f, 127.0f);  // NaN/inf inputs must not reach the cast
      xq[b * 32 + k] = static_cast<int8_t>(q);
      sum += xq[b * 32 + k];
    }
    dx[b] = d;
    sx[b] = sum;
  }
}

void QuantizeActivationsX16(const float* x, size_t K, int8_t* xq, float* dx, int32_t* sx) {
  for (size_t b = 0; b < K / 32; ++b) {
    const float* xb = x + b * 32;
    const float amax = BlockAbsMax(xb);
    const float d = amax / 32512.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
    int32_t sum = 0;
    for (size_t k = 0; k < 32; ++k) {
      float q = std::nearbyint(xb[k] * id);
      q = q != q ? 0.0f : std::clamp(q, -32512.0f, 32512.0f);
      const int32_t v = static_cast<int32_t>(q), hi = (v + 128) >> 8;  // floor: lo = v − 256·hi ∈ [−128, 127]
      xq[b * 32 + k] = static_cast<int8_t>(hi);
      xq[K + b * 32 + k] = static_cast<int8_t>(v - 256 * hi);
      sum += v;
    }
    dx[b] = d;
    sx[b] = sum;
  }
}

const SimdKernels& SimdKernelsScalar() {
  static const SimdKernels k{Isa::kScalar, GemmF32, DecodeBf16, DecodeQ8_0, DecodeQ4_0, GemmX8, GemmBf16, QuantizeActivationsX8, QuantizeActivationsX16, GeluTanhGate, Softmax, GemmaRmsNorm};
  return k;
}

}  // namespace gembed
