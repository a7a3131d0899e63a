#include "embedder/output_quantization.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"

namespace gembed {
namespace {

TEST(OutputQuantization, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(ParsePrecision("int8"), Precision::kInt8);
  EXPECT_EQ(ParsePrecision("ubinary"), Precision::kUbinary);
  EXPECT_EQ(PrecisionName(Precision::kUint8), "uint8");
  try {
    ParsePrecision("int4");
    FAIL() << "int4 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'int4'"), std::string::npos);
  }
}

TEST(OutputQuantization, RowBytes) {
  EXPECT_EQ(QuantizedRowBytes(768, Precision::kFloat32), 3072u);
  EXPECT_EQ(QuantizedRowBytes(768, Precision::kInt8), 768u);
  EXPECT_EQ(QuantizedRowBytes(768, Precision::kBinary), 96u);
  EXPECT_EQ(QuantizedRowBytes(13, Precision::kUbinary), 2u);
}

// sentence-transformers' formulas in float32, as numpy computes them:
//   e = np.float32([[-1], [0], [1], [0.25]]); r = np.float32([[-1], [1]]); step = (r[1] - r[0]) / 255
//   (e - r[0]) / step = [0, 127.49999, 254.99998, 159.37498]  (2/255 is not exact in float32)
TEST(OutputQuantization, Int8AndUint8MatchSentenceTransformers) {
  const float emb[] = {-1.0f, 0.0f, 1.0f, 0.25f};  // 4 rows, dim 1
  QuantizationRanges r{{-1.0f}, {1.0f}};
  auto u = QuantizeEmbeddings(emb, 4, 1, Precision::kUint8, &r);
  // .astype(np.uint8) truncates: 0, 127, 254, 159
  EXPECT_EQ(std::vector<int>(u.begin(), u.end()), (std::vector<int>{0, 127, 254, 159}));
  auto s = QuantizeEmbeddings(emb, 4, 1, Precision::kInt8, &r);
  // … − 128, truncated towards zero: −128, −0.50001 → 0, 126.99998 → 126, 31.37498 → 31
  std::vector<int> si;
  for (uint8_t b : s) si.push_back(int8_t(b));
  EXPECT_EQ(si, (std::vector<int>{-128, 0, 126, 31}));
}

TEST(OutputQuantization, RangesFromTheEmbeddingsAndClamping) {
  const float emb[] = {0.0f, 5.0f, 2.0f, -1.0f, 4.0f, 9.0f};  // 3 rows, dim 2
  auto r = RangesFrom(emb, 3, 2);
  EXPECT_EQ(r.min, (std::vector<float>{0.0f, -1.0f}));
  EXPECT_EQ(r.max, (std::vector<float>{4.0f, 9.0f}));
  // Every dimension starts from its own first value (not the first row's first value).
  const float apart[] = {1.0f, 5.0f, 2.0f, 6.0f};  // 2 rows, dim 2: columns {1, 2} and {5, 6}
  auto ra = RangesFrom(apart, 2, 2);
  EXPECT_EQ(ra.min, (std::vector<float>{1.0f, 5.0f}));
  EXPECT_EQ(ra.max, (std::vector<float>{2.0f, 6.0f}));
  const float outside[] = {10.0f, -10.0f};
  auto q = QuantizeEmbeddings(outside, 1, 2, Precision::kUint8, &r);
  EXPECT_EQ(q[0], 255);
  EXPECT_EQ(q[1], 0);
  QuantizationRanges bad{{0.0f}, {1.0f}};
  EXPECT_THROW(QuantizeEmbeddings(emb, 3, 2, Precision::kInt8, &bad), Error);
}

TEST(OutputQuantization, EmptyRangeGivesTheBottomNotNaN) {
  const float emb[] = {3.0f, 3.0f};
  auto q = QuantizeEmbeddings(emb, 2, 1, Precision::kInt8, nullptr);
  EXPECT_EQ(int8_t(q[0]), -128);
  EXPECT_EQ(int8_t(q[1]), -128);
}

TEST(OutputQuantization, BinaryPacksMostSignificantBitFirst) {
  // dim 10: bits 1,0,1,1,0,0,0,1 | 1,0 → 0b10110001 = 177, 0b10000000 = 128
  const float emb[] = {0.5f, -0.1f, 2.0f, 1e-9f, 0.0f, -3.0f, -0.0f, 7.0f, 0.1f, -0.2f};
  auto u = QuantizeEmbeddings(emb, 1, 10, Precision::kUbinary);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0], 177);
  EXPECT_EQ(u[1], 128);
  auto b = QuantizeEmbeddings(emb, 1, 10, Precision::kBinary);
  EXPECT_EQ(int8_t(b[0]), 177 - 128);
  EXPECT_EQ(int8_t(b[1]), 0);
}

TEST(OutputQuantization, Float32IsACopy) {
  const float emb[] = {1.5f, -2.25f};
  auto f = QuantizeEmbeddings(emb, 1, 2, Precision::kFloat32);
  ASSERT_EQ(f.size(), 8u);
  float back[2];
  std::memcpy(back, f.data(), 8);
  EXPECT_EQ(back[0], 1.5f);
  EXPECT_EQ(back[1], -2.25f);
}

}  // namespace
}  // namespace gembed
