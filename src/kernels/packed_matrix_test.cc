#include "kernels/packed_matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/simd_kernels.h"
#include "kernels/ops.h"

namespace gembed {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(isa)) isas.push_back(isa);
  }
  return isas;
}

// The dense f32 W that a packed matrix multiplies with.
std::vector<float> Unpacked(const PackedMatrix& m) {
  std::vector<float> w(m.out() * m.in());
  for (size_t r = 0; r < m.out(); ++r) m.RowToF32(r, &w[r * m.in()]);
  return w;
}

struct Shape {
  size_t rows, in, out;
};

// How far the integer path may be from the f32 product: rounding x to its block's grid of
// ±levels (127 for int8, 32512 for 16-bit) moves each x by at most dx/2 = max|x in block| /
// (2·levels), so |error| ≤ Σ_k |w_k|·dx_b/2, plus f32 rounding.
std::vector<float> QuantisedActivationErrorBound(const std::vector<float>& x, const std::vector<float>& w, size_t rows,
                                                 size_t in, size_t out, float levels) {
  std::vector<float> bound(rows * out);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < out; ++c) {
      double e = 0;
      for (size_t b = 0; b < in / 32; ++b) {
        float amax = 0;
        for (size_t k = 0; k < 32; ++k) amax = std::max(amax, std::fabs(x[r * in + b * 32 + k]));
        for (size_t k = 0; k < 32; ++k) e += std::fabs(w[c * in + b * 32 + k]) * amax / (2 * levels);
      }
      bound[r * out + c] = static_cast<float>(e * 1.001 + 1e-5 * std::sqrt(double(in)));
    }
  }
  return bound;
}

// Ragged edges: row counts around the tile heights (6, 8), columns around the panel width.
const Shape kShapes[] = {{1, 32, 16},  {3, 64, 17},   {7, 32, 33},    {8, 96, 48},   {9, 64, 1},
                         {13, 128, 31}, {97, 64, 40}, {200, 160, 70}, {16, 768, 256}};

TEST(PackedMatrix, EveryIsaAndTypeMatchesTheReferenceMatMul) {
  ThreadPool pool(3);
  for (const Shape& s : kShapes) {
    const std::vector<float> x = Random(s.rows * s.in, 7 + s.rows), w = Random(s.out * s.in, 11 + s.out);
    for (WeightType type : {WeightType::kF32, WeightType::kBF16, WeightType::kQ8_0, WeightType::kQ4_0}) {
      PackedMatrix m = PackedMatrix::FromF32(w.data(), s.out, s.in, type);
      const std::vector<float> wu = Unpacked(m);
      std::vector<float> want(s.rows * s.out);
      MatMulWT(x.data(), s.rows, s.in, wu.data(), s.out, want.data(), nullptr);
      const bool quantised = type == WeightType::kQ8_0 || type == WeightType::kQ4_0;
      for (ActivationPrecision act : {ActivationPrecision::kAuto, ActivationPrecision::kHigh, ActivationPrecision::kLow}) {
        if (act == ActivationPrecision::kLow && !quantised) continue;  // bf16 × bf16: its own test below
        m.set_activations(act);
        for (Isa isa : SupportedIsas()) {
          std::vector<float> got(s.rows * s.out, -1.0f);
          m.MatMul(x.data(), s.rows, got.data(), &pool, &SimdKernelsFor(isa));
          const bool integer = quantised && SimdKernelsFor(isa).gemm_x8;
          const float levels = act == ActivationPrecision::kLow ? 127.0f : 32512.0f;
          const std::vector<float> tol = integer ? QuantisedActivationErrorBound(x, wu, s.rows, s.in, s.out, levels)
                                                 : std::vector<float>(got.size(), 2e-6f * std::sqrt(static_cast<float>(s.in)) * 4);
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_NEAR(got[i], want[i], tol[i] + 1e-6f * std::sqrt(static_cast<float>(s.in)))
                << IsaName(isa) << " " << WeightTypeName(type) << " " << ActivationPrecisionName(act) << " rows "
                << s.rows << " in " << s.in << " out " << s.out << " at " << i;
          }
        }
      }
    }
  }
}

TEST(PackedMatrix, F32PackingIsExactAndBf16RoundsToNearestEven) {
  const std::vector<float> w = Random(40 * 64, 5);
  EXPECT_EQ(Unpacked(PackedMatrix::FromF32(w.data(), 40, 64, WeightType::kF32)), w);
  const std::vector<float> b = Unpacked(PackedMatrix::FromF32(w.data(), 40, 64, WeightType::kBF16));
  for (size_t i = 0; i < w.size(); ++i) EXPECT_LE(std::fabs(b[i] - w[i]), std::fabs(w[i]) * (1.0f / 256));
  const float halfway[2] = {1.0f + 1.0f / 256, 1.0f + 3.0f / 256};  // bf16 has 7 mantissa bits
  std::vector<float> row(32, 0.0f);
  row[0] = halfway[0], row[1] = halfway[1];
  const std::vector<float> r = Unpacked(PackedMatrix::FromF32(row.data(), 1, 32, WeightType::kBF16));
  EXPECT_EQ(r[0], 1.0f);
  EXPECT_EQ(r[1], 1.0f + 4.0f / 256);
}

TEST(PackedMatrix, QuantisedPackingKeepsGgmlBlocksExactly) {
  const std::vector<float> w = Random(20 * 64, 9);
  std::vector<BlockQ4_0> q4(20 * 2);
  std::vector<BlockQ8_0> q8(20 * 2);
  for (size_t r = 0; r < 20; ++r) {
    QuantizeRowQ4_0(&w[r * 64], 64, &q4[r * 2]);
    QuantizeRowQ8_0(&w[r * 64], 64, &q8[r * 2]);
  }
  const std::vector<float> u4 = Unpacked(PackedMatrix::FromQ4_0(q4.data(), 20, 64));
  const std::vector<float> u8 = Unpacked(PackedMatrix::FromQ8_0(q8.data(), 20, 64));
  std::vector<float> d4(64), d8(64);
  for (size_t r = 0; r < 20; ++r) {
    DequantizeRowQ4_0(&q4[r * 2], 64, d4.data());
    DequantizeRowQ8_0(&q8[r * 2], 64, d8.data());
    for (size_t k = 0; k < 64; ++k) {
      ASSERT_EQ(u4[r * 64 + k], d4[k]);
      ASSERT_EQ(u8[r * 64 + k], d8[k]);
    }
  }
}

// Every ISA's decoder of the quantised panel layouts equals the scalar one (the int8 path
// skips decoding, so this is where the vector decoders are checked).
TEST(PackedMatrix, EveryIsaDecodesQuantisedPanelsLikeTheScalarBaseline) {
  const std::vector<float> w = Random(16 * 96, 21);
  for (WeightType type : {WeightType::kQ8_0, WeightType::kQ4_0}) {
    const PackedMatrix m = PackedMatrix::FromF32(w.data(), 16, 96, type);
    const std::vector<float> want = Unpacked(m);  // RowToF32 decodes with the scalar kernels
    for (Isa isa : SupportedIsas()) {
      const SimdKernels& k = SimdKernelsFor(isa);
      alignas(64) static float panel[96 * 16];
      PackedMatrix::DecodeFirstPanelForTest(m, k, panel);
      for (size_t c = 0; c < 16; ++c) {
        for (size_t kk = 0; kk < 96; ++kk) {
          ASSERT_EQ(panel[kk * 16 + c], want[c * 96 + kk]) << IsaName(isa) << " " << WeightTypeName(type) << " col " << c << " k " << kk;
        }
      }
    }
  }
}

// The scalar integer path is the definition; the VNNI kernel must agree bit for bit, with
// int8 (kLow) and 16-bit (kHigh) activations.
TEST(PackedMatrix, IntegerPathIsBitIdenticalAcrossIsas) {
  ASSERT_NE(SimdKernelsFor(Isa::kScalar).gemm_x8, nullptr) << "the scalar kernels must define the int8 path";
  ThreadPool pool(3);
  for (const Shape& s : kShapes) {
    const std::vector<float> x = Random(s.rows * s.in, 3 + s.rows), w = Random(s.out * s.in, 5 + s.out);
    for (WeightType type : {WeightType::kQ8_0, WeightType::kQ4_0}) {
      for (ActivationPrecision act : {ActivationPrecision::kHigh, ActivationPrecision::kLow}) {
        PackedMatrix m = PackedMatrix::FromF32(w.data(), s.out, s.in, type);
        m.set_activations(act);
        std::vector<float> want(s.rows * s.out);
        m.MatMul(x.data(), s.rows, want.data(), nullptr, &SimdKernelsScalar());
        for (Isa isa : SupportedIsas()) {
          if (!SimdKernelsFor(isa).gemm_x8) continue;
          std::vector<float> got(s.rows * s.out, -1.0f);
          m.MatMul(x.data(), s.rows, got.data(), &pool, &SimdKernelsFor(isa));
          ASSERT_EQ(got, want) << IsaName(isa) << " " << WeightTypeName(type) << " " << ActivationPrecisionName(act)
                               << " rows " << s.rows << " in " << s.in;
        }
      }
    }
  }
  if (CpuHasAvx512Vnni()) {
    EXPECT_NE(SimdKernelsFor(Isa::kAvx512).gemm_x8, nullptr);
  }
}

TEST(PackedMatrix, F32ActivationsTurnTheInt8PathOff) {
  const std::vector<float> x = Random(5 * 64, 1), w = Random(20 * 64, 2);
  PackedMatrix m = PackedMatrix::FromF32(w.data(), 20, 64, WeightType::kQ8_0);
  const std::vector<float> wu = Unpacked(m);
  std::vector<float> want(5 * 20), got(5 * 20);
  MatMulWT(x.data(), 5, 64, wu.data(), 20, want.data(), nullptr);
  m.set_activations(ActivationPrecision::kF32);
  m.MatMul(x.data(), 5, got.data(), nullptr, &SimdKernelsScalar());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f);
  double err[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    m.set_activations(i == 0 ? ActivationPrecision::kHigh : ActivationPrecision::kLow);
    m.MatMul(x.data(), 5, got.data(), nullptr, &SimdKernelsScalar());
    for (size_t j = 0; j < got.size(); ++j) err[i] += std::fabs(got[j] - want[j]);
  }
  EXPECT_GT(err[1], 0.0) << "the scalar kernels' int8 path should round the activations";
  EXPECT_GT(err[0], 0.0) << "the 16-bit path should round the activations too";
  EXPECT_LT(err[0], err[1] / 50) << "16-bit activations should be far closer to f32 than int8";
}

// Under kLow, bf16 weights multiply bf16-rounded activations: every ISA with a bf16 path
// agrees with the scalar definition to f32 rounding, and with the rounded inputs' product.
TEST(PackedMatrix, Bf16ActivationsMatchTheScalarDefinition) {
  ThreadPool pool(2);
  for (const Shape& s : kShapes) {
    for (size_t in : {s.in, s.in + 1}) {  // odd K: the pad of the last pair
      const std::vector<float> x = Random(s.rows * in, 13 + s.rows), w = Random(s.out * in, 15 + s.out);
      PackedMatrix m = PackedMatrix::FromF32(w.data(), s.out, in, WeightType::kBF16);
      m.set_activations(ActivationPrecision::kLow);
      std::vector<float> xr(x.size());
      std::vector<uint16_t> bits(in + 1);
      for (size_t r = 0; r < s.rows; ++r) {
        RoundRowToBf16(&x[r * in], in, bits.data());
        for (size_t k = 0; k < in; ++k) {
          const uint32_t b = static_cast<uint32_t>(bits[k]) << 16;
          std::memcpy(&xr[r * in + k], &b, 4);
        }
      }
      const std::vector<float> wu = Unpacked(m);
      std::vector<float> want(s.rows * s.out);
      MatMulWT(xr.data(), s.rows, in, wu.data(), s.out, want.data(), nullptr);
      for (Isa isa : SupportedIsas()) {
        if (!SimdKernelsFor(isa).gemm_bf16) continue;
        std::vector<float> got(s.rows * s.out, -1.0f);
        m.MatMul(x.data(), s.rows, got.data(), &pool, &SimdKernelsFor(isa));
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 4e-6f * std::sqrt(static_cast<float>(in)))
              << IsaName(isa) << " rows " << s.rows << " in " << in << " at " << i;
        }
      }
    }
  }
  ASSERT_NE(SimdKernelsScalar().gemm_bf16, nullptr);
  if (CpuHasAvx512Bf16()) {
    EXPECT_NE(SimdKernelsFor(Isa::kAvx512).gemm_bf16, nullptr);
  }
}

TEST(PackedMatrix, ActivationQuantisationFollowsGgmlQ8_0) {
  std::vector<float> x(64, 0.0f);
  x[0] = 1.27f, x[1] = -0.635f, x[2] = 0.004f, x[31] = -1.0f;  // block 0: amax 1.27 → d 0.01
  // block 1 stays zero: d 0, every q 0
  std::vector<int8_t> q(64);
  float d[2];
  int32_t sum[2];
  QuantizeActivationsX8(x.data(), 64, q.data(), d, sum);
  EXPECT_FLOAT_EQ(d[0], 0.01f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -64);  // −63.5 rounds to even
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[31], -100);
  EXPECT_EQ(sum[0], 127 - 64 - 100);
  EXPECT_EQ(d[1], 0.0f);
  EXPECT_EQ(sum[1], 0);
  // Every ISA's vector version gives the same bytes, scales and sums.
  const std::vector<float> r = Random(32 * 24, 17);
  std::vector<int8_t> q0(r.size()), q1(r.size());
  std::vector<float> d0(24), d1(24);
  std::vector<int32_t> s0(24), s1(24);
  QuantizeActivationsX8(r.data(), r.size(), q0.data(), d0.data(), s0.data());
  for (Isa isa : SupportedIsas()) {
    SimdKernelsFor(isa).quantize_x8(r.data(), r.size(), q1.data(), d1.data(), s1.data());
    EXPECT_EQ(q0, q1) << IsaName(isa);
    EXPECT_EQ(d0, d1) << IsaName(isa);
    EXPECT_EQ(s0, s1) << IsaName(isa);
  }
  x[40] = std::numeric_limits<float>::quiet_NaN();
  QuantizeActivationsX8(x.data(), 64, q.data(), d, sum);  // must not trap or overflow
  for (int k = 32; k < 64; ++k) EXPECT_GE(q[k], -127);
}

TEST(PackedMatrix, SixteenBitActivationsSplitIntoTwoInt8Planes) {
  std::vector<float> x(64, 0.0f);
  x[0] = 3.2512f, x[1] = -1.0f, x[2] = 0.00002f, x[3] = 1.2800f, x[31] = -3.2512f;  // d = 1e-4
  std::vector<int8_t> q(128);
  float d[2];
  int32_t sum[2];
  QuantizeActivationsX16(x.data(), 64, q.data(), d, sum);
  EXPECT_FLOAT_EQ(d[0], 1e-4f);
  auto value = [&](int k) { return 256 * q[k] + q[64 + k]; };
  EXPECT_EQ(value(0), 32512);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(value(1), -10000);
  EXPECT_EQ(value(2), 0);
  EXPECT_EQ(value(3), 12800);
  EXPECT_EQ(q[3], 50);
  EXPECT_EQ(q[64 + 3], 0);
  EXPECT_EQ(value(31), -32512);
  EXPECT_EQ(q[31], -127);
  EXPECT_EQ(sum[0], 32512 - 10000 + 12800 - 32512);
  EXPECT_EQ(d[1], 0.0f);
  EXPECT_EQ(sum[1], 0);
  // Every value v splits as hi = floor((v + 128) / 256), lo = v − 256·hi, each an int8.
  const std::vector<float> r = Random(32 * 24, 19);
  std::vector<int8_t> q0(2 * r.size()), q1(2 * r.size());
  std::vector<float> d0(24), d1(24);
  std::vector<int32_t> s0(24), s1(24);
  QuantizeActivationsX16(r.data(), r.size(), q0.data(), d0.data(), s0.data());
  for (size_t b = 0; b < 24; ++b) {
    int32_t total = 0;
    for (size_t k = b * 32; k < b * 32 + 32; ++k) {
      const int32_t v = 256 * q0[k] + q0[r.size() + k];
      EXPECT_LE(std::abs(v), 32512);
      EXPECT_NEAR(v * d0[b], r[k], d0[b] / 2 * 1.0001f);
      total += v;
    }
    EXPECT_EQ(total, s0[b]);
  }
  for (Isa isa : SupportedIsas()) {
    SimdKernelsFor(isa).quantize_x16(r.data(), r.size(), q1.data(), d1.data(), s1.data());
    EXPECT_EQ(q0, q1) << IsaName(isa);
    EXPECT_EQ(d0, d1) << IsaName(isa);
    EXPECT_EQ(s0, s1) << IsaName(isa);
  }
  x[40] = std::numeric_limits<float>::quiet_NaN();
  QuantizeActivationsX16(x.data(), 64, q.data(), d, sum);  // must not trap or overflow
  for (int k = 32; k < 64; ++k) EXPECT_GE(q[k], -127);
}

TEST(PackedMatrix, ResultsDoNotDependOnTheThreadCount) {
  const size_t rows = 150, in = 96, out = 100;
  const std::vector<float> x = Random(rows * in, 1), w = Random(out * in, 2);
  PackedMatrix m = PackedMatrix::FromF32(w.data(), out, in, WeightType::kQ4_0);
  for (ActivationPrecision act : {ActivationPrecision::kHigh, ActivationPrecision::kLow}) {
    m.set_activations(act);
    std::vector<float> one(rows * out), many(rows * out);
    m.MatMul(x.data(), rows, one.data(), nullptr);
    for (int threads : {2, 3, 5}) {
      ThreadPool pool(threads);
      m.MatMul(x.data(), rows, many.data(), &pool);
      EXPECT_EQ(one, many) << threads << " threads " << ActivationPrecisionName(act);
    }
  }
}

TEST(PackedMatrix, QuantisedTypesNeedRowsOfWholeBlocks) {
  const std::vector<float> w(4 * 48, 1.0f);
  EXPECT_THROW(PackedMatrix::FromF32(w.data(), 4, 48, WeightType::kQ4_0), std::exception);
  EXPECT_NO_THROW(PackedMatrix::FromF32(w.data(), 4, 48, WeightType::kBF16));
}

TEST(PackedMatrix, WeightTypeNamesParse) {
  WeightType t;
  for (WeightType c : {WeightType::kF32, WeightType::kBF16, WeightType::kQ8_0, WeightType::kQ4_0}) {
    ASSERT_TRUE(ParseWeightType(WeightTypeName(c), &t));
    EXPECT_EQ(t, c);
  }
  EXPECT_FALSE(ParseWeightType("q5_k", &t));
  ActivationPrecision a;
  for (const char* name : {"auto", "f32", "high", "low"}) {
    ASSERT_TRUE(ParseActivationPrecision(name, &a)) << name;
    EXPECT_STREQ(ActivationPrecisionName(a), name);
  }
  EXPECT_FALSE(ParseActivationPrecision("int4", &a));
}

}  // namespace
}  // namespace gembed
