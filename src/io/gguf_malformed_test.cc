// Broken GGUF files: every one must be refused with a gembed::Error that says what is
// wrong, never a crash or an out-of-bounds read (CI runs this under ASan + UBSan; FromBytes
// keeps the bytes in a heap buffer, so any read past the end is caught).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "io/gguf_file.h"
#include "io/gguf_test_util.h"
#include "io/gguf_writer.h"

namespace gembed {
namespace {

using testing::GgufBytes;

void ExpectRefused(const std::vector<uint8_t>& bytes, std::initializer_list<std::string> fragments) {
  try {
    GgufFile::FromBytes(bytes, "broken.gguf");
    ADD_FAILURE() << "accepted a broken file; expected: " << *fragments.begin();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("broken.gguf: ", 0), 0u) << msg;
    for (const std::string& frag : fragments) EXPECT_NE(msg.find(frag), std::string::npos) << msg;
  }
}

// A valid base: one u32 entry, then tensor infos supplied by the test.
GgufBytes Base(uint64_t n_tensors) {
  GgufBytes b;
  b.Header(3, n_tensors, 1).Key("general.architecture", 8).Str("x");
  return b;
}

TEST(GgufMalformed, BadMagicAndVersions) {
  ExpectRefused({}, {"not a GGUF file"});
  ExpectRefused({'G', 'G', 'U'}, {"not a GGUF file"});
  GgufBytes ggml;
  ggml.Raw("GGML").U32(3).U64(0).U64(0);
  ExpectRefused(ggml.bytes, {"not a GGUF file"});
  GgufBytes v1, v4, be;
  v1.Header(1, 0, 0);
  v4.Header(4, 0, 0);
  be.Raw("GGUF").U32(0x03000000).U64(0).U64(0);
  ExpectRefused(v1.bytes, {"version 1"});
  ExpectRefused(v4.bytes, {"unsupported GGUF version 4"});
  ExpectRefused(be.bytes, {"big-endian"});
}

TEST(GgufMalformed, AbsurdCounts) {
  GgufBytes kv, tensors, strings, floats;
  kv.Header(3, 0, 1ull << 60);
  ExpectRefused(kv.bytes, {"claims 1152921504606846976 metadata entries"});
  tensors.Header(3, ~0ull, 0);
  ExpectRefused(tensors.bytes, {"claims 18446744073709551615 tensors"});
  strings.Header(3, 0, 1).Key("tokens", 9).U32(8).U64(1ull << 40).Str("a");
  ExpectRefused(strings.bytes, {"'tokens' claims 1099511627776 strings"});
  floats.Header(3, 0, 1).Key("scores", 9).U32(6).U64(1000).F32(1);
  ExpectRefused(floats.bytes, {"'scores' claims 1000 f32 values but only 4 bytes remain"});
}

TEST(GgufMalformed, StringsPastTheEnd) {
  GgufBytes key, value, elem;
  key.Header(3, 0, 1).U64(1000).Raw("abc").Fill(20, 0);
  ExpectRefused(key.bytes, {"the key of metadata entry 0 has length 1000", "past the end"});
  value.Header(3, 0, 1).Key("k", 8).U64(~0ull).Raw("abc");
  ExpectRefused(value.bytes, {"the value of 'k' has length 18446744073709551615"});
  elem.Header(3, 0, 1).Key("list", 9).U32(8).U64(2).Str("ok").U64(99).Raw("x");
  ExpectRefused(elem.bytes, {"element 1 of 'list' has length 99"});
}

TEST(GgufMalformed, BadMetadata) {
  GgufBytes type, elem, nested, boolean, bool_arr, dup, empty, align_type, align_value;
  type.Header(3, 0, 1).Key("k", 13).U32(0);
  ExpectRefused(type.bytes, {"'k' has unknown value type 13"});
  elem.Header(3, 0, 1).Key("k", 9).U32(77).U64(0);
  ExpectRefused(elem.bytes, {"'k' is an array of unknown type 77"});
  nested.Header(3, 0, 1).Key("k", 9).U32(9).U64(0);
  ExpectRefused(nested.bytes, {"array of arrays"});
  boolean.Header(3, 0, 1).Key("flag", 7).U8(2);
  ExpectRefused(boolean.bytes, {"'flag' is a bool holding 2"});
  bool_arr.Header(3, 0, 1).Key("flags", 9).U32(7).U64(3).U8(1).U8(0).U8(7);
  ExpectRefused(bool_arr.bytes, {"'flags' element 2 is a bool holding 7"});
  dup.Header(3, 0, 2).Key("k", 4).U32(1).Key("k", 4).U32(2);
  ExpectRefused(dup.bytes, {"metadata key 'k' appears twice"});
  empty.Header(3, 0, 1).Key("", 4).U32(1);
  ExpectRefused(empty.bytes, {"empty key"});
  align_type.Header(3, 0, 1).Key("general.alignment", 10).U64(32);
  ExpectRefused(align_type.bytes, {"'general.alignment' has type u64, expected u32"});
  align_value.Header(3, 0, 1).Key("general.alignment", 4).U32(48);
  ExpectRefused(align_value.bytes, {"general.alignment is 48 (must be a power of two)"});
}

TEST(GgufMalformed, BadTensorInfos) {
  auto one = [](const std::vector<uint64_t>& ne, uint32_t type, uint64_t offset, size_t data) {
    GgufBytes b = Base(1);
    b.TensorInfo("blk.0.attn_q.weight", ne, type, offset).PadTo(32).Fill(data, 0);
    return b.bytes;
  };
  ExpectRefused(one({4}, 99, 0, 64), {"tensor 'blk.0.attn_q.weight' has type 99 (unknown GGML type)"});
  ExpectRefused(one({4}, 32, 0, 64), {"has type 32 (Q4_0_4_8, removed from the GGUF format)"});
  ExpectRefused(one({1, 1, 1, 1, 1}, 0, 0, 64), {"has 5 dimensions (must be 1 to 4)"});
  ExpectRefused(one({}, 0, 0, 64), {"has 0 dimensions"});
  ExpectRefused(one({4, 0}, 0, 0, 64), {"ne[1] = 0 (must be positive)"});
  ExpectRefused(one({~0ull}, 0, 0, 64), {"ne[0] = -1 (must be positive)"});
  ExpectRefused(one({1ull << 62, 1ull << 62}, 0, 0, 64), {"overflows"});
  ExpectRefused(one({33}, 8, 0, 64), {"rows of 33 elements, not a multiple of the Q8_0 block size 32"});
  ExpectRefused(one({4}, 0, 16, 64), {"offset 16, not a multiple of the alignment 32"});
  ExpectRefused(one({4}, 0, 64, 64), {"runs past the end of the data section (64 bytes"});
  ExpectRefused(one({4}, 0, 0, 15), {"runs past the end of the data section (15 bytes"});
  ExpectRefused(one({4}, 0, ~0ull - 31, 64), {"runs past the end"});

  GgufBytes overlap = Base(2);
  overlap.TensorInfo("a", {16}, 0, 0).TensorInfo("b", {4}, 0, 32).PadTo(32).Fill(128, 0);
  ExpectRefused(overlap.bytes, {"tensors 'a' and 'b' overlap"});
  GgufBytes dup = Base(2);
  dup.TensorInfo("w", {4}, 0, 0).TensorInfo("w", {4}, 0, 32).PadTo(32).Fill(64, 0);
  ExpectRefused(dup.bytes, {"tensor name 'w' appears twice"});
  GgufBytes unnamed = Base(1);
  unnamed.TensorInfo("", {4}, 0, 0).PadTo(32).Fill(32, 0);
  ExpectRefused(unnamed.bytes, {"tensor 0 has an empty name"});
  GgufBytes no_data = Base(1);
  no_data.TensorInfo("w", {4}, 0, 0);
  ExpectRefused(no_data.bytes, {"data section would start at byte"});
}

// Every proper prefix of a valid file that cuts into the header or a tensor's bytes is
// refused; cutting only the padding after the last tensor is harmless.
TEST(GgufMalformed, EveryTruncationIsRefused) {
  GgufWriter w;
  w.SetString("general.architecture", "gemma-embedding");
  w.SetU32("gemma-embedding.block_count", 2);
  w.SetStringArray("tokenizer.ggml.tokens", std::vector<std::string>{"<pad>", "a", "\xE2\x96\x81"});
  w.SetF32Array("tokenizer.ggml.scores", {0, -1, -2});
  w.SetBoolArray("flags", {true, false});
  w.SetF64("f", 1.0);
  std::vector<uint8_t> a(4 * 8, 1), q(34, 2);
  w.AddTensor("a", GgmlType::kF32, {2, 4}, a);
  w.AddTensor("q", GgmlType::kQ8_0, {1, 32}, q);
  const std::vector<uint8_t> full = w.ToBytes();
  const auto ok = GgufFile::FromBytes(full, "full.gguf");
  const GgufTensor* last = ok->Find("q");
  ASSERT_NE(last, nullptr);
  const size_t needed = ok->data_offset() + last->offset + last->nbytes;
  ASSERT_LT(needed, full.size());
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < needed) {
      EXPECT_THROW(GgufFile::FromBytes(prefix, "cut.gguf"), Error) << "prefix of " << n << " bytes";
    } else {
      EXPECT_NO_THROW(GgufFile::FromBytes(prefix, "cut.gguf")) << "prefix of " << n << " bytes";
    }
  }
}

}  // namespace
}  // namespace gembed
