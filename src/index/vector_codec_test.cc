#include "index/vector_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "base/error.h"

namespace gembed::index {
namespace {

std::vector<float> RandomUnit(int dim, std::mt19937& rng) {
  std::normal_distribution<float> n;
  std::vector<float> v(dim);
  double s = 0;
  for (float& x : v) {
    x = n(rng);
    s += double(x) * x;
  }
  for (float& x : v) x /= std::sqrt(s);
  return v;
}

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(VectorCodec, F32IsExact) {
  std::mt19937 rng(1);
  const auto v = RandomUnit(37, rng), q = RandomUnit(37, rng);
  const std::string b = EncodeVector(VectorStorage::kF32, v);
  EXPECT_EQ(b.size(), EncodedBytes(VectorStorage::kF32, 37));
  EXPECT_EQ(DecodeVector(VectorStorage::kF32, b, 37), v);
  EXPECT_NEAR(ScoreEncoded(VectorStorage::kF32, q.data(), b.data(), 37), Dot(q, v), 1e-6);
}

TEST(VectorCodec, Int8ScoresAreCloseToF32) {
  std::mt19937 rng(2);
  for (int t = 0; t < 50; ++t) {
    const auto v = RandomUnit(256, rng), q = RandomUnit(256, rng);
    const std::string b = EncodeVector(VectorStorage::kInt8, v);
    EXPECT_EQ(b.size(), 4u + 256);
    EXPECT_NEAR(ScoreEncoded(VectorStorage::kInt8, q.data(), b.data(), 256), Dot(q, v), 1e-2);
    const auto d = DecodeVector(VectorStorage::kInt8, b, 256);
    EXPECT_NEAR(Dot(q, d), ScoreEncoded(VectorStorage::kInt8, q.data(), b.data(), 256), 1e-5);
  }
}

TEST(VectorCodec, BinaryScoreIsCosineWithTheSignVector) {
  std::mt19937 rng(3);
  const int dim = 77;  // not a multiple of 8
  const auto v = RandomUnit(dim, rng), q = RandomUnit(dim, rng);
  const std::string b = EncodeVector(VectorStorage::kBinary, v);
  EXPECT_EQ(b.size(), 10u);
  float expect = 0;
  for (int i = 0; i < dim; ++i) expect += (v[i] > 0 ? q[i] : -q[i]);
  expect /= std::sqrt(float(dim));
  EXPECT_NEAR(ScoreEncoded(VectorStorage::kBinary, q.data(), b.data(), dim), expect, 1e-6);
  const auto d = DecodeVector(VectorStorage::kBinary, b, dim);
  EXPECT_NEAR(Dot(d, d), 1.0f, 1e-5);
  EXPECT_NEAR(Dot(q, d), expect, 1e-5);
  // A vector scores higher against its own bits than a random one does (on average).
  EXPECT_GT(ScoreEncoded(VectorStorage::kBinary, v.data(), b.data(), dim), 0.5f);
}

TEST(VectorCodec, BadNamesAndSizesAreErrors) {
  EXPECT_EQ(ParseStorage("int8"), VectorStorage::kInt8);
  EXPECT_EQ(StorageName(ParseStorage("binary")), "binary");
  EXPECT_THROW(ParseStorage("f16"), Error);
  EXPECT_THROW(DecodeVector(VectorStorage::kF32, std::string(12, '\0'), 4), Error);
}

}  // namespace
}  // namespace gembed::index
