#include "io/gguf_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "base/error.h"
#include "fixtures.h"
#include "io/gguf_file.h"
#include "io/gguf_test_util.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;
using testing::GgufBytes;

std::vector<uint8_t> FloatBytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A file laid out by hand, byte by byte, must equal what the writer produces.
TEST(GgufWriter, ByteExactTinyFile) {
  GgufWriter w;
  w.SetU32("a.n", 7);
  w.SetString("a.s", "hi");
  w.AddTensor("t", GgmlType::kF32, {1, 2}, FloatBytes({1.5f, -2.0f}));

  GgufBytes want;
  want.Raw("GGUF").U32(3).U64(1).U64(2);          // magic, version 3, 1 tensor, 2 entries
  want.Str("a.n").U32(4).U32(7);                  // u32
  want.Str("a.s").U32(8).Str("hi");               // string
  want.Str("t").U32(2).U64(2).U64(1).U32(0).U64(0);  // 2 dims, ne = [2, 1], F32, offset 0
  ASSERT_EQ(want.bytes.size(), 109u);
  want.PadTo(32);                                 // data section at byte 128
  want.F32(1.5f).F32(-2.0f);
  want.PadTo(32);
  ASSERT_EQ(want.bytes.size(), 160u);
  EXPECT_EQ(w.ToBytes(), want.bytes);
}

TEST(GgufWriter, RoundTripsEveryMetadataType) {
  GgufWriter w;
  w.SetU8("u8", 200);
  w.SetI8("i8", -100);
  w.SetU16("u16", 60000);
  w.SetI16("i16", -30000);
  w.SetU32("u32", 4000000000u);
  w.SetI32("i32", -2000000000);
  w.SetU64("u64", 18000000000000000000ull);
  w.SetI64("i64", -9000000000000000000ll);
  w.SetF32("f32", 0.1f);
  w.SetF64("f64", 0.1);
  w.SetBool("bool_t", true);
  w.SetBool("bool_f", false);
  w.SetString("str", "h\xC3\xA9llo");
  w.SetString("empty", "");
  const uint8_t u8s[] = {1, 2, 255};
  w.SetArray("arr.u8", GgufType::kU8, u8s, 3);
  const int8_t i8s[] = {-1, 127};
  w.SetArray("arr.i8", GgufType::kI8, i8s, 2);
  const uint16_t u16s[] = {65535};
  w.SetArray("arr.u16", GgufType::kU16, u16s, 1);
  const int16_t i16s[] = {-2, 3};
  w.SetArray("arr.i16", GgufType::kI16, i16s, 2);
  const uint32_t u32s[] = {0, 4294967295u};
  w.SetArray("arr.u32", GgufType::kU32, u32s, 2);
  w.SetI32Array("arr.i32", {-5, 6, 7});
  const uint64_t u64s[] = {1ull << 40};
  w.SetArray("arr.u64", GgufType::kU64, u64s, 1);
  const int64_t i64s[] = {-(1ll << 40), 3};
  w.SetArray("arr.i64", GgufType::kI64, i64s, 2);
  w.SetF32Array("arr.f32", {0.5f, -1e30f});
  const double f64s[] = {1e300, -0.25};
  w.SetArray("arr.f64", GgufType::kF64, f64s, 2);
  w.SetBoolArray("arr.bool", {true, false, true});
  w.SetStringArray("arr.str", std::vector<std::string>{"a", "", "\xE2\x96\x81the"});
  w.SetI32Array("arr.empty", {});

  const auto f = GgufFile::FromBytes(w.ToBytes(), "mem.gguf");
  EXPECT_EQ(f->version(), 3u);
  ASSERT_EQ(f->kvs().size(), 27u);
  EXPECT_EQ(f->kvs()[0].key, "u8");  // file order is insertion order
  EXPECT_EQ(f->GetU32("u8"), 200u);
  EXPECT_EQ(f->GetI32("i8"), -100);
  EXPECT_EQ(f->GetU32("u16"), 60000u);
  EXPECT_EQ(f->GetI32("i16"), -30000);
  EXPECT_EQ(f->GetU32("u32"), 4000000000u);
  EXPECT_EQ(f->GetI32("i32"), -2000000000);
  EXPECT_EQ(f->GetU64("u64"), 18000000000000000000ull);
  EXPECT_EQ(f->GetI64("i64"), -9000000000000000000ll);
  EXPECT_EQ(f->GetF32("f32"), 0.1f);
  EXPECT_EQ(f->GetF64("f64"), 0.1);
  EXPECT_TRUE(f->GetBool("bool_t"));
  EXPECT_FALSE(f->GetBool("bool_f"));
  EXPECT_EQ(f->GetString("str"), "h\xC3\xA9llo");
  EXPECT_EQ(f->GetString("empty"), "");
  EXPECT_EQ(f->GetU32Array("arr.u8"), (std::vector<uint32_t>{1, 2, 255}));
  EXPECT_EQ(f->GetI32Array("arr.i8"), (std::vector<int32_t>{-1, 127}));
  EXPECT_EQ(f->GetU32Array("arr.u16"), (std::vector<uint32_t>{65535}));
  EXPECT_EQ(f->GetI32Array("arr.i16"), (std::vector<int32_t>{-2, 3}));
  EXPECT_EQ(f->GetU32Array("arr.u32"), (std::vector<uint32_t>{0, 4294967295u}));
  EXPECT_EQ(f->GetI32Array("arr.i32"), (std::vector<int32_t>{-5, 6, 7}));
  EXPECT_EQ(f->GetI64Array("arr.u64"), (std::vector<int64_t>{1ll << 40}));
  EXPECT_EQ(f->GetI64Array("arr.i64"), (std::vector<int64_t>{-(1ll << 40), 3}));
  EXPECT_EQ(f->GetF32Array("arr.f32"), (std::vector<float>{0.5f, -1e30f}));
  EXPECT_EQ(f->GetF64Array("arr.f64"), (std::vector<double>{1e300, -0.25}));
  EXPECT_EQ(f->GetBoolArray("arr.bool"), (std::vector<bool>{true, false, true}));
  const std::vector<std::string_view> strs = f->GetStringArray("arr.str");
  ASSERT_EQ(strs.size(), 3u);
  EXPECT_EQ(strs[0], "a");
  EXPECT_EQ(strs[1], "");
  EXPECT_EQ(strs[2], "\xE2\x96\x81the");
  EXPECT_EQ(f->ArrayLength("arr.empty"), 0u);
  EXPECT_EQ(f->ArrayType("arr.f64"), GgufType::kF64);
  EXPECT_TRUE(f->GetI32Array("arr.empty").empty());
  EXPECT_TRUE(f->tensors().empty());
}

TEST(GgufWriter, RoundTripsTensorsOfSeveralTypesThroughAFile) {
  const fs::path dir = testing::FreshTempDir();
  std::vector<uint8_t> q8(2 * 34), q6(210), f16(2 * 3 * 2), bf16(4 * 2), i32(3 * 4);
  for (size_t i = 0; i < q8.size(); ++i) q8[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < q6.size(); ++i) q6[i] = static_cast<uint8_t>(255 - i);
  for (size_t i = 0; i < f16.size(); ++i) f16[i] = static_cast<uint8_t>(i + 1);
  const uint8_t bf16_vals[8] = {0x80, 0x3f, 0x00, 0x40, 0x40, 0x40, 0x80, 0xbf};  // 1, 2, 3, -1
  std::memcpy(bf16.data(), bf16_vals, 8);
  const int32_t ints[3] = {-1, 0, 123456};
  std::memcpy(i32.data(), ints, 12);

  GgufWriter w;
  w.SetString("general.architecture", "test");
  w.AddTensor("f32.vector", GgmlType::kF32, {3}, FloatBytes({1, 2, 3}));
  w.AddTensor("q8.matrix", GgmlType::kQ8_0, {2, 32}, q8);  // 2 rows of one block each
  w.AddTensorView("q6.row", GgmlType::kQ6_K, {1, 256}, q6.data(), q6.size());
  w.AddTensor("f16.3d", GgmlType::kF16, {2, 1, 3}, f16);
  w.AddTensor("bf16.4d", GgmlType::kBF16, {1, 2, 1, 2}, bf16);
  w.AddTensor("i32", GgmlType::kI32, {3}, i32);
  const std::string path = (dir / "t.gguf").string();
  w.Write(path);
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  GgufFile f(path);
  ASSERT_EQ(f.tensors().size(), 6u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  for (const GgufTensor& t : f.tensors()) EXPECT_EQ(t.offset % 32, 0u) << t.name;

  const GgufTensor* q = f.Find("q8.matrix");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->ggml_type(), GgmlType::kQ8_0);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(q->ne, (std::vector<int64_t>{32, 2}));
  EXPECT_EQ(q->rows(), 2);
  EXPECT_EQ(q->row_length(), 32);
  ASSERT_EQ(q->nbytes, q8.size());
  EXPECT_EQ(std::vector<uint8_t>(q->data, q->data + q->nbytes), q8);

  const GgufTensor* k = f.Find("q6.row");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(k->data, k->data + k->nbytes), q6);
  const GgufTensor* h = f.Find("f16.3d");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->ShapeString(), "[2, 1, 3]");
  EXPECT_EQ(h->ne, (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(std::vector<uint8_t>(h->data, h->data + h->nbytes), f16);

  const GgufTensor* b = f.Find("bf16.4d");
  ASSERT_NE(b, nullptr);
  const TensorView v = f.View(*b);
  EXPECT_EQ(v.dtype, DType::kBF16);
  EXPECT_EQ(ToF32(v), (std::vector<float>{1, 2, 3, -1}));
  EXPECT_EQ(ToF32(f.View(*f.Find("f32.vector"))), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(f.View(*q).dtype, DType::kQ8_0);
  EXPECT_EQ(f.View(*q).dtype_name, "Q8_0");
  EXPECT_EQ(f.View(*f.Find("i32")).dtype, DType::kOther);
  EXPECT_EQ(f.View(*f.Find("i32")).dtype_name, "I32");
  const GgufTensor* n = f.Find("i32");
  ASSERT_NE(n, nullptr);
  int32_t back[3];
  std::memcpy(back, n->data, 12);
  EXPECT_EQ(back[2], 123456);
  EXPECT_EQ(f.Find("missing"), nullptr);
  fs::remove_all(dir);
}

TEST(GgufWriter, OverwritesAtomically) {
  const fs::path dir = testing::FreshTempDir();
  const std::string path = (dir / "m.gguf").string();
  GgufWriter a;
  a.SetU32("v", 1);
  a.Write(path);
  GgufWriter b;
  b.SetU32("v", 2);
  b.Write(path);
  EXPECT_EQ(GgufFile(path).GetU32("v"), 2u);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  // An unwritable destination fails with the path in the message and leaves no temp file.
  try {
    a.Write((dir / "no_such_dir" / "x.gguf").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_dir"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

void ExpectError(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error, expected one containing: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(GgufWriter, RefusesBadInput) {
  GgufWriter w;
  w.SetU32("k", 1);
  ExpectError([&] { w.SetString("k", "again"); }, "'k' is set twice");
  ExpectError([&] { w.SetU8("", 1); }, "empty metadata key");
  ExpectError([&] { w.SetArray("a", GgufType::kString, nullptr, 0); }, "fixed-size element type");
  const uint8_t two = 2;
  ExpectError([&] { w.SetArray("b", GgufType::kBool, &two, 1); }, "0/1");
  w.AddTensor("t", GgmlType::kF32, {2}, FloatBytes({1, 2}));
  ExpectError([&] { w.AddTensor("t", GgmlType::kF32, {2}, FloatBytes({1, 2})); }, "added twice");
  ExpectError([&] { w.AddTensor("u", GgmlType::kF32, {3}, FloatBytes({1, 2})); }, "needs 12");
  ExpectError([&] { w.AddTensor("q", GgmlType::kQ8_0, {1, 31}, std::vector<uint8_t>(34)); },
              "not a multiple of the Q8_0 block size 32");
  ExpectError([&] { w.AddTensor("z", GgmlType::kF32, {0}, {}); }, "must be positive");
  ExpectError([&] { w.AddTensor("d", GgmlType::kF32, {1, 1, 1, 1, 1}, FloatBytes({1})); }, "5 dimensions");
  ExpectError([&] { w.AddTensor(std::string(64, 'n'), GgmlType::kF32, {1}, FloatBytes({1})); },
              "name of 64 bytes");
  ExpectError([&] { w.AddTensor("x", static_cast<GgmlType>(99), {1}, FloatBytes({1})); },
              "GGML type 99 (unknown GGML type)");
}

TEST(GgmlTypes, TableMatchesGgml) {
  // Spot checks against ggml-common.h's block structs.
  struct Want {
    uint32_t id;
    const char* name;
    uint32_t block, size;
  };
  const Want want[] = {{0, "F32", 1, 4},       {1, "F16", 1, 2},      {2, "Q4_0", 32, 18},
                       {3, "Q4_1", 32, 20},    {6, "Q5_0", 32, 22},   {7, "Q5_1", 32, 24},
                       {8, "Q8_0", 32, 34},    {9, "Q8_1", 32, 36},   {10, "Q2_K", 256, 84},
                       {11, "Q3_K", 256, 110}, {12, "Q4_K", 256, 144}, {13, "Q5_K", 256, 176},
                       {14, "Q6_K", 256, 210}, {15, "Q8_K", 256, 292}, {16, "IQ2_XXS", 256, 66},
                       {20, "IQ4_NL", 32, 18}, {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},
                       {27, "I64", 1, 8},      {28, "F64", 1, 8},     {29, "IQ1_M", 256, 56},
                       {30, "BF16", 1, 2},     {34, "TQ1_0", 256, 54}, {35, "TQ2_0", 256, 66},
                       {39, "MXFP4", 32, 17},  {40, "NVFP4", 64, 36}, {41, "Q1_0", 128, 18}};
  for (const Want& w : want) {
    const GgmlTypeInfo* t = FindGgmlType(w.id);
    ASSERT_NE(t, nullptr) << w.id;
    EXPECT_EQ(static_cast<uint32_t>(t->type), w.id);
    EXPECT_STREQ(t->name, w.name);
    EXPECT_EQ(t->block_size, w.block);
    EXPECT_EQ(t->type_size, w.size);
  }
  for (uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 42u, 1000u, 0xFFFFFFFFu}) {
    EXPECT_EQ(FindGgmlType(removed), nullptr) << removed;
  }
  ExpectError([] { GgmlTypeOf(99); }, "GGML type 99 (unknown GGML type)");
  ExpectError([] { GgmlTypeOf(31); }, "Q4_0_4_4, removed from the GGUF format");

  uint64_t bytes = 0;
  std::string why;
  const std::vector<int64_t> ne = {256, 3};
  ASSERT_TRUE(GgmlTensorBytes(*FindGgmlType(14), ne, &bytes, &why));
  EXPECT_EQ(bytes, 3u * 210);
  const std::vector<int64_t> big = {1ll << 40, 1ll << 30};
  EXPECT_FALSE(GgmlTensorBytes(*FindGgmlType(0), big, &bytes, &why));
  EXPECT_NE(why.find("overflow"), std::string::npos) << why;
}

}  // namespace
}  // namespace gembed
