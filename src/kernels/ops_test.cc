#include "kernels/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "base/thread_pool.h"

namespace gembed {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(MatMulWT, MatchesDoubleReferenceOnRaggedShapes) {
  ThreadPool pool(3);
  for (size_t rows : {1u, 3u, 4u, 5u, 17u}) {
    for (size_t in : {1u, 7u, 8u, 33u}) {
      for (size_t out : {1u, 15u, 16u, 40u, 67u}) {
        auto x = Random(rows * in, 1), w = Random(out * in, 2);
        std::vector<float> y(rows * out), y1(rows * out);
        MatMulWT(x.data(), rows, in, w.data(), out, y.data(), &pool);
        MatMulWT(x.data(), rows, in, w.data(), out, y1.data(), nullptr);
        for (size_t r = 0; r < rows; ++r)
          for (size_t o = 0; o < out; ++o) {
            double ref = 0;
            for (size_t i = 0; i < in; ++i) ref += double(x[r * in + i]) * w[o * in + i];
            ASSERT_NEAR(y[r * out + o], ref, 1e-4 * (1 + std::fabs(ref)));
            // Threads never change a result: each element is one fixed dot product.
            ASSERT_EQ(y[r * out + o], y1[r * out + o]);
          }
      }
    }
  }
}

TEST(GemmaRmsNorm, ScalesByOnePlusWeight) {
  const float x[4] = {1, -2, 3, -4};
  const float w[4] = {0, 1, -1, 0.5f};
  float y[4];
  GemmaRmsNorm(x, w, 4, 1e-6f, y);
  const double rms = std::sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-6);
  EXPECT_NEAR(y[0], 1 / rms, 1e-6);
  EXPECT_NEAR(y[1], -2 / rms * 2, 1e-6);
  EXPECT_NEAR(y[2], 0, 1e-6);
  EXPECT_NEAR(y[3], -4 / rms * 1.5, 1e-6);
}

TEST(GeluTanh, KnownValues) {
  EXPECT_FLOAT_EQ(GeluTanh(0), 0);
  // torch.nn.functional.gelu(torch.tensor(1.0), approximate="tanh") = 0.8411920070648193
  EXPECT_NEAR(GeluTanh(1.0f), 0.841192007f, 1e-6);
  EXPECT_NEAR(GeluTanh(-3.0f), -0.00363752f, 1e-6);
  // and differs from the exact erf GELU (0.8413447) — the fixtures catch that mistake
  EXPECT_GT(std::fabs(GeluTanh(1.0f) - 0.8413447f), 1e-4);
}

TEST(Softmax, SumsToOneAndIsShiftInvariant) {
  float a[3] = {1, 2, 3}, b[3] = {1001, 1002, 1003};
  Softmax(a, 3);
  Softmax(b, 3);
  EXPECT_NEAR(a[0] + a[1] + a[2], 1.0, 1e-6);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
  EXPECT_NEAR(a[2], std::exp(2.0) / (1 + std::exp(1.0) + std::exp(2.0)), 1e-6);
}

TEST(Rope, RotateHalfConventionPreservesNormAndPosition0IsIdentity) {
  const size_t d = 8;
  std::vector<float> inv(d / 2), c(d / 2), s(d / 2);
  RopeInvFreq(10000.0, d, inv.data());
  EXPECT_FLOAT_EQ(inv[0], 1.0f);
  EXPECT_NEAR(inv[1], 1.0 / std::pow(10000.0, 2.0 / 8), 1e-7);
  auto x = Random(d, 3), x0 = x;
  RopeCosSin(inv.data(), d / 2, 0, c.data(), s.data());
  ApplyRope(x.data(), d, c.data(), s.data());
  EXPECT_EQ(x, x0);
  RopeCosSin(inv.data(), d / 2, 5, c.data(), s.data());
  ApplyRope(x.data(), d, c.data(), s.data());
  // pair (0, 4) rotates by angle 5·inv[0] = 5 rad
  EXPECT_NEAR(x[0], x0[0] * std::cos(5.0) - x0[4] * std::sin(5.0), 1e-5);
  EXPECT_NEAR(x[4], x0[4] * std::cos(5.0) + x0[0] * std::sin(5.0), 1e-5);
  double n0 = 0, n1 = 0;
  for (size_t i = 0; i < d; ++i) n0 += x0[i] * x0[i], n1 += x[i] * x[i];
  EXPECT_NEAR(n0, n1, 1e-4);
}

TEST(L2Normalize, UnitNormAndZeroVectorStaysFinite) {
  float v[2] = {3, 4};
  EXPECT_NEAR(L2Normalize(v, 2), 5.0f, 1e-6);
  EXPECT_NEAR(v[0], 0.6f, 1e-7);
  float z[2] = {0, 0};
  L2Normalize(z, 2);
  EXPECT_EQ(z[0], 0.0f);
}

}  // namespace
}  // namespace gembed
