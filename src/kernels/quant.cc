#include "kernels/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gembed {

void QuantizeRowQ8_0(const float* x, size_t n, BlockQ8_0* y) {
  for (size_t b = 0; b < n / kQ8Block; ++b, x += kQ8Block) {
    float amax = 0;
    for (size_t j = 0; j < kQ8Block; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = F32ToF16(d);
    for (size_t j = 0; j < kQ8Block; ++j) y[b].qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
  }
}

void QuantizeRowQ4_0(const float* x, size_t n, BlockQ4_0* y) {
  for (size_t b = 0; b < n / kQ4Block; ++b, x += kQ4Block) {
    // The signed value of largest magnitude maps to −8, so the grid's extra negative step
    // is used.
    float amax = 0, max = 0;
    for (size_t j = 0; j < kQ4Block; ++j) {
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    }
    const float d = max / -8.0f, id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = F32ToF16(d);
    for (size_t j = 0; j < 16; ++j) {
      const int lo = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      const int hi = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + 16] * id + 8.5f)));
      y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

namespace {

// Quantises one block of 32 with scale d onto integers [lo, hi]; returns the squared error
// measured with the f16-rounded scale that is actually stored. Rounding uses the 1.5·2²³
// trick (round to nearest even for |v| < 2²²) so that the loop vectorises: quantising a
// whole model at load runs this hundreds of millions of times.
double GridError(const float* x, float d, int lo, int hi, int* q) {
  const float ds = F16ToF32(F32ToF16(d));
  const float inv = ds != 0 ? 1.0f / ds : 0.0f;
  constexpr float kRound = 12582912.0f;  // 1.5 · 2^23
  float err = 0;
  for (size_t j = 0; j < 32; ++j) {
    float v = (x[j] * inv + kRound) - kRound;
    v = std::fmin(static_cast<float>(hi), std::fmax(static_cast<float>(lo), v));
    q[j] = static_cast<int>(v);
    const float e = x[j] - ds * v;
    err += e * e;
  }
  return err;
}

}  // namespace

void QuantizeRowQ4_0Grid(const float* x, size_t n, BlockQ4_0* y) {
  for (size_t b = 0; b < n / kQ4Block; ++b, x += kQ4Block) {
    float amax = 0, max = 0;
    for (size_t j = 0; j < kQ4Block; ++j) {
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    }
    // GGML's choice (largest magnitude at −8), and the grid whose ±7 holds it.
    const float candidates[3] = {max / -8.0f, amax / 7.0f, amax / 8.0f};
    int best_q[32] = {}, q[32];
    double best = -1;
    float best_d = 0;
    for (float d : candidates) {
      const double e = GridError(x, d, -8, 7, q);
      if (best < 0 || e < best) best = e, best_d = d, std::memcpy(best_q, q, sizeof q);
    }
    y[b].d = F32ToF16(best_d);
    for (size_t j = 0; j < 16; ++j) {
      y[b].qs[j] = static_cast<uint8_t>((best_q[j] + 8) | ((best_q[j + 16] + 8) << 4));
    }
  }
}

void QuantizeRowQ8_0Grid(const float* x, size_t n, BlockQ8_0* y) {
  for (size_t b = 0; b < n / kQ8Block; ++b, x += kQ8Block) {
    float amax = 0;
    for (size_t j = 0; j < kQ8Block; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float candidates[2] = {amax / 127.0f, amax / 128.0f};
    int best_q[32] = {}, q[32];
    double best = -1;
    float best_d = 0;
    for (float d : candidates) {
      const double e = GridError(x, d, -128, 127, q);
      if (best < 0 || e < best) best = e, best_d = d, std::memcpy(best_q, q, sizeof q);
    }
    y[b].d = F32ToF16(best_d);
    for (size_t j = 0; j < 32; ++j) y[b].qs[j] = static_cast<int8_t>(best_q[j]);
  }
}

void DequantizeRowQ8_0(const BlockQ8_0* x, size_t n, float* y) {
  for (size_t b = 0; b < n / kQ8Block; ++b) {
    const float d = F16ToF32(x[b].d);
    for (size_t j = 0; j < kQ8Block; ++j) y[b * kQ8Block + j] = d * x[b].qs[j];
  }
}

void DequantizeRowQ4_0(const BlockQ4_0* x, size_t n, float* y) {
  for (size_t b = 0; b < n / kQ4Block; ++b) {
    const float d = F16ToF32(x[b].d);
    for (size_t j = 0; j < 16; ++j) {
      y[b * kQ4Block + j] = d * ((x[b].qs[j] & 0xf) - 8);
      y[b * kQ4Block + j + 16] = d * ((x[b].qs[j] >> 4) - 8);
    }
  }
}

void DequantizeRowQ6_K(const BlockQ6_K* x, size_t n, float* y) {
  // Each 256-block is two halves of 128; in a half, byte l of ql/qh feeds four weights
  // (l, l+32, l+64, l+96): low nibbles of ql[l] and ql[l+32], then their high nibbles, each
  // with two bits of qh[l]. Sub-blocks of 16 weights have their own int8 scale.
  for (size_t b = 0; b < n / kQKBlock; ++b) {
    const float d = F16ToF32(x[b].d);
    const uint8_t* ql = x[b].ql;
    const uint8_t* qh = x[b].qh;
    const int8_t* sc = x[b].scales;
    float* out = y + b * kQKBlock;
    for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, out += 128) {
      for (int l = 0; l < 32; ++l) {
        const int s = l / 16;
        const int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        out[l] = d * sc[s] * q1;
        out[l + 32] = d * sc[s + 2] * q2;
        out[l + 64] = d * sc[s + 4] * q3;
        out[l + 96] = d * sc[s + 6] * q4;
      }
    }
  }
}

}  // namespace gembed
