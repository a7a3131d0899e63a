#include "io/gguf_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "fixtures.h"
#include "io/gguf_test_util.h"
#include "io/gguf_writer.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;
using testing::GgufBytes;

void ExpectError(const std::function<void()>& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const std::string& frag : fragments) {
      EXPECT_NE(std::string(e.what()).find(frag), std::string::npos) << e.what();
    }
  }
}

TEST(GgufFile, ReadsVersion2AndCustomAlignment) {
  // A v2 file with general.alignment = 64: the data section and offsets follow it.
  GgufBytes b;
  b.Header(2, 2, 2);
  b.Key("general.alignment", 4).U32(64);
  b.Key("general.architecture", 8).Str("demo");
  b.TensorInfo("a", {2}, 0, 0);
  b.TensorInfo("b", {1}, 0, 64);
  const size_t header_end = b.bytes.size();
  b.PadTo(64);
  const size_t data_start = b.bytes.size();
  b.F32(1).F32(2).Fill(56, 0xEE).F32(3);
  const auto f = GgufFile::FromBytes(b.bytes, "v2.gguf");
  EXPECT_EQ(f->version(), 2u);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_GT(data_start, header_end);
  EXPECT_EQ(f->data_offset(), data_start);
  EXPECT_EQ(f->GetString("general.architecture"), "demo");
  EXPECT_EQ(ToF32(f->View(*f->Find("a"))), (std::vector<float>{1, 2}));
  EXPECT_EQ(ToF32(f->View(*f->Find("b"))), (std::vector<float>{3}));
  EXPECT_EQ(f->Find("b")->data, f->Find("a")->data + 64);
}

TEST(GgufFile, NoTensorsNeedNoDataSection) {
  GgufBytes b;
  b.Header(3, 0, 1).Key("x", 7).U8(1);  // ends right after the metadata, unpadded
  const auto f = GgufFile::FromBytes(b.bytes, "meta.gguf");
  EXPECT_TRUE(f->GetBool("x"));
  EXPECT_TRUE(f->tensors().empty());
}

TEST(GgufFile, GettersCheckTypesAndRanges) {
  GgufWriter w;
  w.SetString("s", "text");
  w.SetI32("neg", -1);
  w.SetU64("big", 1ull << 40);
  w.SetF64("d", 2.5);
  w.SetU8("small", 9);
  w.SetI32Array("ints", {1, -2});
  w.SetStringArray("strs", std::vector<std::string>{"x"});
  w.SetF32Array("floats", {1.0f});
  const auto f = GgufFile::FromBytes(w.ToBytes(), "model.gguf");

  EXPECT_EQ(f->GetU32("small"), 9u);        // u8 widens to u32
  EXPECT_EQ(f->GetI64("neg"), -1);
  EXPECT_EQ(f->GetF32("d"), 2.5f);          // f64 narrows to f32
  EXPECT_EQ(f->GetU32("missing", 5), 5u);
  EXPECT_EQ(f->GetString("missing", "dflt"), "dflt");
  EXPECT_FALSE(f->GetBool("missing", false));
  EXPECT_EQ(f->GetF32Array("ints"), (std::vector<float>{1.0f, -2.0f}));  // i32 scores

  ExpectError([&] { f->GetU32("s"); }, {"model.gguf: ", "metadata 's' has type string, expected an integer (u32)"});
  ExpectError([&] { f->GetU32("neg"); }, {"'neg' = -1 does not fit u32"});
  ExpectError([&] { f->GetI32("big"); }, {"'big' = 1099511627776 does not fit i32"});
  ExpectError([&] { f->GetString("small"); }, {"'small' has type u8, expected string"});
  ExpectError([&] { f->GetF32("s"); }, {"expected a float"});
  ExpectError([&] { f->GetBool("small"); }, {"expected bool"});
  ExpectError([&] { f->GetU32("nope"); }, {"metadata 'nope' is missing"});
  ExpectError([&] { f->GetStringArray("ints"); }, {"'ints' has type array of i32, expected array of string"});
  ExpectError([&] { f->GetStringArray("s"); }, {"'s' has type string, expected an array"});
  ExpectError([&] { f->GetU32Array("ints"); }, {"'ints'[1] = -2 does not fit u32"});
  ExpectError([&] { f->GetI32Array("floats"); }, {"array of f32, expected array of i32"});
  ExpectError([&] { f->GetF32Array("strs"); }, {"array of string, expected array of f32"});
}

TEST(GgufFile, MapsAFileAndNamesItInErrors) {
  const fs::path dir = testing::FreshTempDir();
  const std::string path = (dir / "bad.gguf").string();
  std::ofstream(path, std::ios::binary) << "GGML not really";
  ExpectError([&] { GgufFile f(path); }, {path, "not a GGUF file"});
  ExpectError([&] { GgufFile f((dir / "absent.gguf").string()); }, {"absent.gguf", "cannot open"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gembed
