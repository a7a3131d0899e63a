#include "kernels/ops.h"

#include <algorithm>
#include <cmath>

#include "base/thread_pool.h"

namespace gembed {
namespace {

// Four rows of x against one row of w, with 8 independent partial sums per row so the
// compiler can vectorise without reassociating (no -ffast-math needed).
void Dot4(const float* x0, const float* x1, const float* x2, const float* x3, const float* w,
          size_t n, float* out) {
  constexpr size_t L = 8;
  float a0[L] = {}, a1[L] = {}, a2[L] = {}, a3[L] = {};
  size_t i = 0;
  for (; i + L <= n; i += L) {
    for (size_t l = 0; l < L; ++l) {
      const float wv = w[i + l];
      a0[l] += x0[i + l] * wv;
      a1[l] += x1[i + l] * wv;
      a2[l] += x2[i + l] * wv;
      a3[l] += x3[i + l] * wv;
    }
  }
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t l = 0; l < L; ++l) s0 += a0[l], s1 += a1[l], s2 += a2[l], s3 += a3[l];
  for (; i < n; ++i) {
    s0 += x0[i] * w[i];
    s1 += x1[i] * w[i];
    s2 += x2[i] * w[i];
    s3 += x3[i] * w[i];
  }
  out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

void MatMulColumns(const float* x, size_t rows, size_t in, const float* w, size_t out,
                   float* y, size_t o_begin, size_t o_end) {
  // Blocks of 16 output columns keep their weights in L1/L2 while all rows stream by.
  constexpr size_t kColBlock = 16;
  for (size_t ob = o_begin; ob < o_end; ob += kColBlock) {
    const size_t oe = std::min(o_end, ob + kColBlock);
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
      const float* xr = x + r * in;
      for (size_t o = ob; o < oe; ++o) {
        float s[4];
        Dot4(xr, xr + in, xr + 2 * in, xr + 3 * in, w + o * in, in, s);
        for (size_t k = 0; k < 4; ++k) y[(r + k) * out + o] = s[k];
      }
    }
    for (; r < rows; ++r) {
      const float* xr = x + r * in;
      for (size_t o = ob; o < oe; ++o) {
        float s[4];
        Dot4(xr, xr, xr, xr, w + o * in, in, s);
        y[r * out + o] = s[0];
      }
    }
  }
}

}  // namespace

void MatMulWT(const float* x, size_t rows, size_t in, const float* w, size_t out, float* y,
              ThreadPool* pool) {
  if (pool == nullptr || pool->num_threads() == 1 || out < 32) {
    MatMulColumns(x, rows, in, w, out, y, 0, out);
    return;
  }
  // Split the output columns into 16-wide blocks shared among threads; results do not
  // depend on the split (each y element is one dot product computed the same way).
  const size_t blocks = (out + 15) / 16;
  pool->ParallelFor(blocks, [&](size_t b, size_t e) {
    MatMulColumns(x, rows, in, w, out, y, b * 16, std::min(out, e * 16));
  });
}

void GemmaRmsNorm(const float* x, const float* w, size_t dim, float eps, float* y) {
  double ss = 0;
  for (size_t i = 0; i < dim; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(dim) + eps));
  for (size_t i = 0; i < dim; ++i) y[i] = x[i] * inv * (1.0f + w[i]);
}

float GeluTanh(float x) {
  const float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

void GeluTanhGate(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = GeluTanh(gate[i]) * up[i];
}

void Softmax(float* x, size_t n) {
  float m = x[0];
  for (size_t i = 1; i < n; ++i) m = std::max(m, x[i]);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void ApplyRope(float* x, size_t head_dim, const float* cos, const float* sin) {
  const size_t half = head_dim / 2;
  for (size_t i = 0; i < half; ++i) {
    const float x1 = x[i], x2 = x[i + half];
    x[i] = x1 * cos[i] - x2 * sin[i];
    x[i + half] = x2 * cos[i] + x1 * sin[i];
  }
}

void RopeInvFreq(double base, size_t head_dim, float* inv_freq) {
  for (size_t i = 0; i < head_dim / 2; ++i) {
    // arange(0, dim, 2).float() / dim in f32, base ** that in f32, then 1 / in f32.
    const float e = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    const float p = static_cast<float>(std::pow(base, static_cast<double>(e)));
    inv_freq[i] = 1.0f / p;
  }
}

void RopeCosSin(const float* inv_freq, size_t half, size_t pos, float* cos, float* sin) {
  for (size_t i = 0; i < half; ++i) {
    const float angle = inv_freq[i] * static_cast<float>(pos);
    cos[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
    sin[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
  }
}

float L2Normalize(float* x, size_t n) {
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const double norm = std::sqrt(ss);
  const float inv = static_cast<float>(1.0 / std::max(norm, 1e-12));
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
  return static_cast<float>(norm);
}

}  // namespace gembed
