#include "kernels/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace gembed {
namespace {

std::vector<float> RandomRow(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

TEST(F16, RoundTripsEveryHalfValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = F16ToF32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(F16ToF32(F32ToF16(f))));
      continue;
    }
    ASSERT_EQ(F32ToF16(f), h) << "half 0x" << std::hex << h;
  }
}

TEST(F16, RoundsToNearestEven) {
  EXPECT_EQ(F32ToF16(1.0f + 1.0f / 2048), 0x3c00);      // halfway: stays even
  EXPECT_EQ(F32ToF16(1.0f + 3.0f / 2048), 0x3c02);      // halfway: rounds up to even
  EXPECT_EQ(F32ToF16(70000.0f), 0x7c00);                // overflow → inf
  EXPECT_EQ(F32ToF16(-1e-10f), 0x8000);                 // underflow → −0
  EXPECT_EQ(F16ToF32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
}

TEST(Q8_0, MatchesTheGgmlRuleAndRoundTripsWithinHalfAStep) {
  const std::vector<float> x = RandomRow(256, 1);
  std::vector<BlockQ8_0> q(8);
  QuantizeRowQ8_0(x.data(), x.size(), q.data());
  std::vector<float> y(256);
  DequantizeRowQ8_0(q.data(), y.size(), y.data());
  for (size_t b = 0; b < 8; ++b) {
    float amax = 0;
    for (size_t j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[b * 32 + j]));
    EXPECT_EQ(q[b].d, F32ToF16(amax / 127));
    const float d = F16ToF32(q[b].d);
    // Half a step, plus the f16 rounding of the stored scale (≤ 2⁻¹¹ relative, × 127).
    for (size_t j = 0; j < 32; ++j) EXPECT_LE(std::fabs(x[b * 32 + j] - y[b * 32 + j]), 0.57f * d);
  }
}

TEST(Q4_0, MatchesTheGgmlRuleAndRoundTripsWithinHalfAStep) {
  const std::vector<float> x = RandomRow(128, 2);
  std::vector<BlockQ4_0> q(4);
  QuantizeRowQ4_0(x.data(), x.size(), q.data());
  std::vector<float> y(128);
  DequantizeRowQ4_0(q.data(), y.size(), y.data());
  for (size_t b = 0; b < 4; ++b) {
    float amax = 0, max = 0;
    for (size_t j = 0; j < 32; ++j) {
      if (std::fabs(x[b * 32 + j]) > amax) amax = std::fabs(x[b * 32 + j]), max = x[b * 32 + j];
    }
    EXPECT_EQ(q[b].d, F32ToF16(max / -8));
    const float d = std::fabs(F16ToF32(q[b].d));
    for (size_t j = 0; j < 32; ++j) EXPECT_LE(std::fabs(x[b * 32 + j] - y[b * 32 + j]), 1.01f * d);  // +8 is clipped to +7
  }
}

TEST(Q4_0, NibbleLayoutIsGgmls) {
  BlockQ4_0 b{};
  b.d = F32ToF16(1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  float y[32];
  DequantizeRowQ4_0(&b, 32, y);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], j - 8);
    EXPECT_EQ(y[j + 16], 7 - j);
  }
}

// A QAT checkpoint's values sit on k·s; the grid quantisers must give them back exactly,
// whichever sign the largest magnitude has.
TEST(GridQuantisers, KeepValuesThatAreOnTheGrid) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const float s = std::ldexp(1.0f, -(trial % 10) - 3) * (1 + (trial % 3) * 0.25f);  // f16-exact scales
    std::uniform_int_distribution<int> k4(-8, 7), k8(-127, 127);
    float x4[32], x8[32], y[32];
    for (int j = 0; j < 32; ++j) x4[j] = s * k4(rng), x8[j] = s * k8(rng);
    // The grid's scale shows in the extreme: +7 or −8 steps (int4), +127 or −128 (int8).
    x4[trial % 32] = (trial % 2 ? 7.0f : -8.0f) * s;
    x8[trial % 32] = (trial % 2 ? 127.0f : -128.0f) * s;
    BlockQ4_0 q4;
    QuantizeRowQ4_0Grid(x4, 32, &q4);
    DequantizeRowQ4_0(&q4, 32, y);
    for (int j = 0; j < 32; ++j) ASSERT_EQ(y[j], x4[j]) << "trial " << trial << " j " << j;
    BlockQ8_0 q8;
    QuantizeRowQ8_0Grid(x8, 32, &q8);
    DequantizeRowQ8_0(&q8, 32, y);
    for (int j = 0; j < 32; ++j) ASSERT_EQ(y[j], x8[j]) << "trial " << trial << " j " << j;
  }
}

TEST(GridQuantisers, AreNeverWorseThanTheGgmlRule) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const std::vector<float> x = RandomRow(1024, 100 + seed);
    std::vector<BlockQ4_0> a(32), b(32);
    QuantizeRowQ4_0(x.data(), x.size(), a.data());
    QuantizeRowQ4_0Grid(x.data(), x.size(), b.data());
    std::vector<float> ya(1024), yb(1024);
    DequantizeRowQ4_0(a.data(), 1024, ya.data());
    DequantizeRowQ4_0(b.data(), 1024, yb.data());
    for (size_t blk = 0; blk < 32; ++blk) {
      double ea = 0, eb = 0;
      for (size_t j = blk * 32; j < blk * 32 + 32; ++j) {
        ea += (x[j] - ya[j]) * (x[j] - ya[j]);
        eb += (x[j] - yb[j]) * (x[j] - yb[j]);
      }
      EXPECT_LE(eb, ea * (1 + 1e-6) + 1e-12);
    }
  }
}

TEST(Q6_K, DequantisesAHandBuiltBlock) {
  BlockQ6_K b{};
  b.d = F32ToF16(0.5f);
  for (int i = 0; i < 16; ++i) b.scales[i] = static_cast<int8_t>(i - 8);
  // Weight 0: low nibble of ql[0] = 5, qh[0] bits 0-1 = 2 → q = 5 | 32 = 37 → 37 − 32 = 5.
  // Weight 64: high nibble of ql[0] = 3, qh[0] bits 4-5 = 1 → q = 3 | 16 = 19 → −13.
  b.ql[0] = 0x35;
  b.qh[0] = 0x12;
  std::vector<float> y(256);
  DequantizeRowQ6_K(&b, 256, y.data());
  EXPECT_EQ(y[0], 0.5f * -8 * 5);
  EXPECT_EQ(y[64], 0.5f * -4 * -13);  // sub-block 4 has scale 4 − 8
  EXPECT_EQ(y[1], 0.5f * -8 * -32);   // all-zero bits mean −32
}

}  // namespace
}  // namespace gembed
