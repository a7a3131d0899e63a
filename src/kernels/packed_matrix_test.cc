#include "kernels/packed_matrix.h"

#include <gtest/gtest.h>

#include <cmath>
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

// Ragged edges: row counts around the tile heights (6, 8), columns around the panel width.
const Shape kShapes[] = {{1, 32, 16},  {3, 64, 17},   {7, 32, 33},    {8, 96, 48},   {9, 64, 1},
                         {13, 128, 31}, {97, 64, 40}, {200, 160, 70}, {16, 768, 256}};

TEST(PackedMatrix, EveryIsaAndTypeMatchesTheReferenceMatMul) {
  ThreadPool pool(3);
  for (const Shape& s : kShapes) {
    const std::vector<float> x = Random(s.rows * s.in, 7 + s.rows), w = Random(s.out * s.in, 11 + s.out);
    for (WeightType type : {WeightType::kF32, WeightType::kBF16, WeightType::kQ8_0, WeightType::kQ4_0}) {
      const PackedMatrix m = PackedMatrix::FromF32(w.data(), s.out, s.in, type);
      const std::vector<float> wu = Unpacked(m);
      std::vector<float> want(s.rows * s.out);
      MatMulWT(x.data(), s.rows, s.in, wu.data(), s.out, want.data(), nullptr);
      for (Isa isa : SupportedIsas()) {
        std::vector<float> got(s.rows * s.out, -1.0f);
        m.MatMul(x.data(), s.rows, got.data(), &pool, &SimdKernelsFor(isa));
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 2e-6f * std::sqrt(static_cast<float>(s.in)) * 4)
              << IsaName(isa) << " " << WeightTypeName(type) << " rows " << s.rows << " in " << s.in << " out "
              << s.out << " at " << i;
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

TEST(PackedMatrix, ResultsDoNotDependOnTheThreadCount) {
  const size_t rows = 150, in = 96, out = 100;
  const std::vector<float> x = Random(rows * in, 1), w = Random(out * in, 2);
  const PackedMatrix m = PackedMatrix::FromF32(w.data(), out, in, WeightType::kQ4_0);
  std::vector<float> one(rows * out), many(rows * out);
  m.MatMul(x.data(), rows, one.data(), nullptr);
  for (int threads : {2, 3, 5}) {
    ThreadPool pool(threads);
    m.MatMul(x.data(), rows, many.data(), &pool);
    EXPECT_EQ(one, many) << threads << " threads";
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
}

}  // namespace
}  // namespace gembed
