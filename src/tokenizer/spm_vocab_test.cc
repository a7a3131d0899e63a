// SentencePiece vocabularies on small, hand-made examples: the merge order HF derives from
// scores, llama.cpp's conventions for added tokens, the special-token template, and errors.
#include "tokenizer/spm_vocab.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "fixtures.h"

namespace gembed {
namespace {

using Ids = std::vector<int32_t>;
constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUser = 4, kByte = 6;

// <pad> <eos> <bos> <unk>, then the pieces given.
SpmVocab Vocab(const std::vector<std::pair<std::string, float>>& pieces, std::vector<int32_t> types = {}) {
  SpmVocab v;
  v.tokens = {"<pad>", "<eos>", "<bos>", "<unk>"};
  v.scores = {0, 0, 0, 0};
  v.types = {kControl, kControl, kControl, kUnknown};
  for (size_t i = 0; i < pieces.size(); ++i) {
    v.tokens.push_back(pieces[i].first);
    v.scores.push_back(pieces[i].second);
    v.types.push_back(i < types.size() ? types[i] : kNormal);
  }
  v.bos_id = 2;
  v.eos_id = 1;
  v.unk_id = 3;
  v.pad_id = 0;
  v.add_bos = false;
  v.add_eos = false;
  v.add_space_prefix = false;
  return v;
}

std::vector<std::string> MergeStrings(const Tokenizer& t) {
  std::vector<std::string> out;
  for (const SpmMerge& m : ListMerges(t)) out.push_back(std::string(t.Piece(m.left)) + " " + std::string(t.Piece(m.right)));
  return out;
}

void ExpectError(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error, expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// HF generate_merges: by score (high first), then left length, then right length (longest
// first), then piece id. Here abc's two splits tie on score: (ab, c) comes before (a, bc)
// because its left part is longer, although a's id is lower than ab's.
TEST(SpmVocab, DerivesMergesInHfOrder) {
  const SpmVocab v = Vocab({{"a", -1}, {"b", -1}, {"c", -1}, {"ab", -2}, {"bc", -2}, {"abc", -3}, {"ca", -9}});
  const auto t = TokenizerFromSpmVocab(v, "test.gguf");
  EXPECT_EQ(MergeStrings(*t), (std::vector<std::string>{"a b", "b c", "ab c", "a bc", "c a"}));
  EXPECT_EQ(t->Encode("abc"), Ids({9}));
  EXPECT_EQ(t->Encode("bca"), Ids({8, 4}));   // b c (rank 1) before c a (rank 4)
  EXPECT_EQ(t->Encode("cab"), Ids({6, 7}));   // c+a would need rank 4; a+b has rank 0
}

// llama.cpp writes added tokens with score -1000, and USER_DEFINED ones with " " for "▁";
// the reader counts them with score 0 (their SentencePiece score), so their merges come first.
TEST(SpmVocab, AddedTokensFollowLlamaCppConventions) {
  SpmVocab v = Vocab({{"\xE2\x96\x81", -1}, {"x", -2}, {"x\xE2\x96\x81", -3}, {"  ", -1000}, {"<mask>", -1000},
                      {"<start_of_turn>", -1000}, {"<0x41>", 0}},
                     {kNormal, kNormal, kNormal, kUser, kControl, kControl, kByte});
  const auto t = TokenizerFromSpmVocab(v, "test.gguf");
  EXPECT_EQ(t->Piece(7), "\xE2\x96\x81\xE2\x96\x81");  // the USER_DEFINED "  " got its "▁▁" back
  EXPECT_EQ(MergeStrings(*t), (std::vector<std::string>{"\xE2\x96\x81 \xE2\x96\x81", "x \xE2\x96\x81"}));
  // "x  " → x▁▁: ▁+▁ (score 0) merges before x+▁ (score -3).
  EXPECT_EQ(t->Encode("x  "), Ids({5, 7}));
  EXPECT_EQ(t->Encode("x "), Ids({6}));
  // Added tokens are matched in the raw text; <mask> is typed CONTROL by llama.cpp but is not
  // special in Gemma's tokenizer; <start_of_turn> is.
  EXPECT_EQ(t->Encode("<start_of_turn>x<mask>"), Ids({9, 5, 8}));
  EXPECT_TRUE(t->IsSpecial(9));
  EXPECT_FALSE(t->IsSpecial(8));
  EXPECT_FALSE(t->IsSpecial(7));
  EXPECT_TRUE(t->IsSpecial(0));
  // Byte fallback: "A" is not a piece, <0x41> is.
  EXPECT_EQ(t->Encode("A"), Ids({10}));
  EXPECT_EQ(t->Decode(t->Encode("x A")), "x A");
  EXPECT_EQ(t->TokenToId("<unk>"), 3);
  // Not a piece and no byte token: <unk>, fused.
  EXPECT_EQ(t->Encode("zz"), Ids({3}));
}

TEST(SpmVocab, TemplateAndSpacePrefixFollowTheFlags) {
  SpmVocab v = Vocab({{"\xE2\x96\x81", -1}, {"x", -2}, {"\xE2\x96\x81x", -3}});
  v.add_bos = true;
  v.add_eos = true;
  auto t = TokenizerFromSpmVocab(v, "test.gguf");
  EXPECT_EQ(t->prefix_ids(), Ids({2}));
  EXPECT_EQ(t->suffix_ids(), Ids({1}));
  EXPECT_EQ(t->Encode("x"), Ids({5}));
  // Absent flags take llama.cpp's SentencePiece defaults: <bos> only, and a "▁" before text.
  v.add_bos.reset();
  v.add_eos.reset();
  v.add_space_prefix.reset();
  t = TokenizerFromSpmVocab(v, "test.gguf");
  EXPECT_EQ(t->prefix_ids(), Ids({2}));
  EXPECT_TRUE(t->suffix_ids().empty());
  EXPECT_EQ(t->Encode("x"), Ids({6}));
}

TEST(SpmVocab, UsesAnExplicitMergeList) {
  SpmVocab v = Vocab({{"a", 0}, {"b", 0}, {"c", 0}, {"ab", 0}, {"bc", 0}});
  v.merges = {"b c", "a b"};
  const auto t = TokenizerFromSpmVocab(v, "test.gguf");
  EXPECT_EQ(MergeStrings(*t), (std::vector<std::string>{"b c", "a b"}));
  EXPECT_EQ(t->Encode("abc"), Ids({4, 8}));
}

TEST(SpmVocab, RefusesBadVocabularies) {
  const SpmVocab good = Vocab({{"a", -1}, {"b", -2}});
  auto with = [&](const std::function<void(SpmVocab&)>& change) {
    SpmVocab v = good;
    change(v);
    return [v] { TokenizerFromSpmVocab(v, "m.gguf"); };
  };
  ExpectError(with([](SpmVocab& v) { v.model = "gpt2"; }), "m.gguf: tokenizer.ggml.model is 'gpt2'");
  ExpectError(with([](SpmVocab& v) { v.tokens.clear(); v.scores.clear(); v.types.clear(); }), "tokens is empty");
  ExpectError(with([](SpmVocab& v) { v.types.pop_back(); }), "token_type has 5 entries for 6 tokens");
  ExpectError(with([](SpmVocab& v) { v.scores.pop_back(); }), "scores has 5 entries for 6 tokens");
  ExpectError(with([](SpmVocab& v) { v.tokens[5] = "a"; }), "tokens 4 and 5 are both 'a'");
  ExpectError(with([](SpmVocab& v) { v.tokens[5] = "\xFF"; }), "token 5 is not valid UTF-8");
  ExpectError(with([](SpmVocab& v) { v.scores[4] = std::nanf(""); }), "token 4 has a NaN score");
  ExpectError(with([](SpmVocab& v) { v.types[4] = 9; }), "token 4 has unknown token type 9");
  ExpectError(with([](SpmVocab& v) { v.eos_id = 6; }), "eos_token_id = 6 is outside the 6 tokens");
  ExpectError(with([](SpmVocab& v) { v.merges = {"a b"}; }), "names a token that is not in the vocabulary");
  ExpectError(with([](SpmVocab& v) { v.merges = {"ab"}; }), "is not \"left right\"");
}

// A tokenizer.json whose merge order no scores can express (ab+c and a+bc, which make the
// same token, are separated by b+c, and a+bc is the shorter-left split): the vocabulary
// carries the merge list, and the rebuilt tokenizer has the same merges in the same order.
TEST(SpmVocab, FallsBackToAMergeListWhenScoresCannotExpressTheOrder) {
  const std::filesystem::path dir = testing::FreshTempDir();
  const std::string path = (dir / "tokenizer.json").string();
  std::ofstream(path) << R"({"model": {"type": "BPE", "byte_fallback": true, "fuse_unk": true, "unk_token": "<unk>",
    "vocab": {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "a": 4, "b": 5, "c": 6, "ab": 7, "bc": 8, "abc": 9,
              "\u2581": 10},
    "merges": [["a", "b"], ["ab", "c"], ["b", "c"], ["a", "bc"]]},
    "added_tokens": [{"id": 0, "content": "<pad>", "special": true, "normalized": false},
                     {"id": 1, "content": "<eos>", "special": true, "normalized": false},
                     {"id": 2, "content": "<bos>", "special": true, "normalized": false},
                     {"id": 3, "content": "<unk>", "special": true, "normalized": false}],
    "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
    "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<bos>"}}, {"Sequence": {"id": "A"}}],
                       "special_tokens": {"<bos>": {"ids": [2]}}},
    "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                                {"type": "ByteFallback"}, {"type": "Fuse"}]}})";
  const auto original = Tokenizer::FromFile(path);
  const SpmVocab v = SpmVocabFromTokenizer(*original);
  EXPECT_EQ(v.merges, (std::vector<std::string>{"a b", "ab c", "b c", "a bc"}));
  EXPECT_EQ(v.types[3], kControl);  // <unk> is a special added token
  EXPECT_EQ(v.unk_id, 3);
  EXPECT_EQ(v.add_bos, true);
  EXPECT_EQ(v.add_eos, false);
  EXPECT_EQ(v.eos_id, 1);
  const auto rebuilt = TokenizerFromSpmVocab(v, "rebuilt");
  EXPECT_EQ(ListMerges(*rebuilt), ListMerges(*original));
  for (const std::string text : {"abc", "bca", "cab abcab", "a b c"}) {
    EXPECT_EQ(rebuilt->Encode(text), original->Encode(text)) << text;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gembed
