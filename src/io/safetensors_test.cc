#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/error.h"
#include "fixtures.h"
#include "io/safetensors_writer.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;

class SafeTensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes [len][header][data] with the given (possibly lying) header length.
  std::string Write(const std::string& name, const std::string& header, const std::string& data,
                    int64_t header_len = -1) {
    const std::string path = (dir_ / name).string();
    std::ofstream f(path, std::ios::binary);
    uint64_t n = header_len < 0 ? header.size() : static_cast<uint64_t>(header_len);
    for (int i = 0; i < 8; ++i) f.put(static_cast<char>((n >> (8 * i)) & 0xFF));
    f << header << data;
    return path;
  }

  // Expects construction to throw an Error whose message contains every fragment.
  void ExpectError(const std::string& path, std::initializer_list<const char*> fragments) {
    try {
      SafeTensorsFile f(path);
      FAIL() << "no error for " << path;
    } catch (const Error& e) {
      const std::string msg = e.what();
      for (const char* frag : fragments) EXPECT_NE(msg.find(frag), std::string::npos) << msg;
    }
  }

  fs::path dir_;
};

TEST_F(SafeTensorsTest, ReadsValidFile) {
  const float vals[3] = {1.5f, -2.0f, 0.25f};
  const std::string data(reinterpret_cast<const char*>(vals), sizeof vals);
  const std::string bf16("\x80\x3f\x00\x40", 4);
  auto p = Write("ok.safetensors",
                 R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                 R"("b":{"dtype":"BF16","shape":[1,2],"data_offsets":[12,16]}})",
                 data + bf16);
  SafeTensorsFile f(p);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const TensorView* a = f.Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::kF32);
  EXPECT_EQ(ToF32(*a), (std::vector<float>{1.5f, -2.0f, 0.25f}));
  const TensorView* b = f.Find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->ShapeString(), "[1, 2]");
  EXPECT_EQ(ToF32(*b), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(f.Find("c"), nullptr);
}

TEST_F(SafeTensorsTest, MissingFileNamesPath) {
  ExpectError((dir_ / "nope.safetensors").string(), {"nope.safetensors", "cannot open"});
}

TEST_F(SafeTensorsTest, TooShortFile) {
  const std::string path = (dir_ / "short.safetensors").string();
  std::ofstream(path) << "abc";
  ExpectError(path, {"short.safetensors", "too short"});
}

TEST_F(SafeTensorsTest, HeaderLengthExceedsFile) {
  auto p = Write("big.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "xxxx", 1 << 30);
  ExpectError(p, {"big.safetensors", "header length 1073741824 exceeds the file size"});
}

TEST_F(SafeTensorsTest, TruncatedData) {
  auto p = Write("trunc.safetensors", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "12345678");
  ExpectError(p, {"tensor 'a'", "runs past the data section"});
}

TEST_F(SafeTensorsTest, OverlappingOffsets) {
  auto p = Write("overlap.safetensors",
                 R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                 std::string(12, '\0'));
  ExpectError(p, {"'a'", "'b'", "overlap"});
}

TEST_F(SafeTensorsTest, MalformedJson) {
  auto p = Write("bad.safetensors", R"({"a":{"dtype":"F32",)", "");
  ExpectError(p, {"bad.safetensors", "malformed JSON header"});
}

TEST_F(SafeTensorsTest, SizeDisagreesWithShape) {
  auto p = Write("size.safetensors", R"({"w":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,8]}})", std::string(8, '\0'));
  ExpectError(p, {"tensor 'w'", "holds 8 bytes but BF16 [3,2] needs 12"});
}

TEST_F(SafeTensorsTest, ReversedOffsetsUnknownDtypeNegativeDimAbsurdShape) {
  ExpectError(Write("r.safetensors", R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", std::string(8, '\0')),
              {"reversed"});
  ExpectError(Write("d.safetensors", R"({"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}})", "x"),
              {"unknown dtype Q9"});
  ExpectError(Write("n.safetensors", R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx"),
              {"negative dimension"});
  ExpectError(Write("h.safetensors",
                    R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", "xxxx"),
              {"too large"});
  ExpectError(Write("m.safetensors", R"({"a":{"dtype":"F32","shape":[1]}})", "xxxx"),
              {"tensor 'a'", "data_offsets"});
}

TEST_F(SafeTensorsTest, ShardedIndex) {
  const std::string four(4, '\0');
  Write("model-00001-of-00002.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four);
  Write("model-00002-of-00002.safetensors", R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four);
  std::ofstream(dir_ / "model.safetensors.index.json")
      << R"({"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}})";
  auto store = TensorStore::Open(dir_.string());
  EXPECT_NE(store->Find("a"), nullptr);
  EXPECT_NE(store->Find("b"), nullptr);
  EXPECT_EQ(store->Names(), (std::vector<std::string>{"a", "b"}));

  // A weight_map entry whose tensor is not in its shard is refused.
  std::ofstream(dir_ / "model.safetensors.index.json")
      << R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})";
  try {
    TensorStore::Open(dir_.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'a' is listed in model-00002-of-00002.safetensors but not stored there"),
              std::string::npos) << e.what();
  }
}

TEST_F(SafeTensorsTest, WriterRoundTrip) {
  const float v[2] = {3.5f, -1.0f};
  TensorToWrite t{"x.weight", "F32", {1, 2}, std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(v),
                                                                  reinterpret_cast<const uint8_t*>(v) + 8)};
  TensorToWrite e{"empty", "BF16", {0}, {}};
  const std::string p = (dir_ / "w.safetensors").string();
  WriteSafeTensors(p, {t, e}, {{"format", "pt"}});
  SafeTensorsFile f(p);
  ASSERT_NE(f.Find("x.weight"), nullptr);
  EXPECT_EQ(ToF32(*f.Find("x.weight")), (std::vector<float>{3.5f, -1.0f}));
  EXPECT_EQ(f.Find("empty")->numel(), 0);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_THROW(WriteSafeTensors((dir_ / "no/such/dir/x").string(), {t}), Error);
}

TEST_F(SafeTensorsTest, NoWeightsAtAll) {
  try {
    TensorStore::Open(dir_.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected model.safetensors or model.safetensors.index.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace gembed
