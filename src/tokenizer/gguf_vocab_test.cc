// Gemma 3's tokenizer through a GGUF file: tokenizer.json → SpmVocab → GGUF metadata →
// SpmVocab → Tokenizer must tokenise all public strings exactly as the original, with the
// merges derived from the written scores in the original order.
#include "tokenizer/gguf_vocab.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "fixtures.h"
#include "io/gguf_file.h"
#include "io/gguf_writer.h"
#include "tokenizer/spm_vocab.h"

namespace gembed {
namespace {

using Ids = std::vector<int32_t>;
const std::string kGemma3Json = testing::SharedDir() + "/fixtures/tokenizer/gemma3/tokenizer.json";
const std::string kPublicJsonl = testing::SharedDir() + "/fixtures/tokenizer/public.jsonl";
const std::string kTinyTextJson = testing::ModelDir("tiny-text") + "/tokenizer.json";

struct Case {
  std::string text;
  Ids ids;
};

const std::vector<Case>& PublicCases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> out;
    std::ifstream in(kPublicJsonl);
    if (!in) throw Error("cannot open " + kPublicJsonl);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const nlohmann::json j = nlohmann::json::parse(line);
      out.push_back({j.at("text").get<std::string>(), j.at("ids").get<Ids>()});
    }
    return out;
  }();
  return cases;
}

const Tokenizer& Gemma3() {
  static const std::unique_ptr<Tokenizer> t = Tokenizer::FromFile(kGemma3Json);
  return *t;
}

// Through GGUF bytes, as a model file would carry it.
std::unique_ptr<Tokenizer> ThroughGguf(const SpmVocab& v, std::unique_ptr<GgufFile>* file = nullptr) {
  GgufWriter w;
  w.SetString("general.architecture", "gemma-embedding");
  WriteGgufVocab(v, &w);
  std::unique_ptr<GgufFile> f = GgufFile::FromBytes(w.ToBytes(), "vocab.gguf");
  std::unique_ptr<Tokenizer> t = TokenizerFromGguf(*f);
  if (file != nullptr) *file = std::move(f);
  return t;
}

struct RoundTrip {
  SpmVocab vocab;
  std::unique_ptr<GgufFile> file;
  std::unique_ptr<Tokenizer> tokenizer;
};

const RoundTrip& Gemma3RoundTrip() {
  static const RoundTrip rt = [] {
    RoundTrip r;
    r.vocab = SpmVocabFromTokenizer(Gemma3());
    r.tokenizer = ThroughGguf(r.vocab, &r.file);
    return r;
  }();
  return rt;
}

TEST(GgufVocab, Gemma3PublicCasesAreIdentical) {
  const Tokenizer& t = *Gemma3RoundTrip().tokenizer;
  ASSERT_EQ(PublicCases().size(), 151u);
  int failures = 0;
  for (size_t i = 0; i < PublicCases().size(); ++i) {
    const Case& c = PublicCases()[i];
    ASSERT_EQ(Gemma3().Encode(c.text), c.ids) << "fixture vs tokenizer.json, case " << i;
    EXPECT_EQ(t.Encode(c.text), c.ids) << "case " << i;
    EXPECT_EQ(t.Decode(c.ids), Gemma3().Decode(c.ids)) << "case " << i;
    if (HasFailure() && ++failures > 5) break;
  }
}

TEST(GgufVocab, Gemma3MergesAreDerivedInTheSameOrder) {
  const RoundTrip& rt = Gemma3RoundTrip();
  EXPECT_TRUE(rt.vocab.merges.empty()) << "scores should express Gemma 3's merge order";
  EXPECT_FALSE(rt.file->Has("tokenizer.ggml.merges"));
  const std::vector<SpmMerge> original = ListMerges(Gemma3());
  ASSERT_EQ(original.size(), 514906u);
  EXPECT_TRUE(ListMerges(*rt.tokenizer) == original);
}

TEST(GgufVocab, Gemma3VocabularyAndSpecialsAreIdentical) {
  const Tokenizer& t = *Gemma3RoundTrip().tokenizer;
  const Tokenizer& g = Gemma3();
  ASSERT_EQ(t.vocab_size(), g.vocab_size());
  ASSERT_EQ(t.vocab_size(), 262145);  // 262,144 pieces + <image_soft_token>
  int differences = 0;
  for (int32_t id = 0; id < g.vocab_size() && differences < 10; ++id) {
    if (t.Piece(id) != g.Piece(id) || t.IsSpecial(id) != g.IsSpecial(id)) {
      ++differences;
      ADD_FAILURE() << "id " << id << ": '" << t.Piece(id) << "' special " << t.IsSpecial(id) << " vs '"
                    << g.Piece(id) << "' special " << g.IsSpecial(id);
    }
  }
  EXPECT_EQ(t.prefix_ids(), g.prefix_ids());  // the generic Gemma 3 file: <bos> $A
  EXPECT_EQ(t.suffix_ids(), g.suffix_ids());
  EXPECT_EQ(t.Encode("<start_of_turn>user\n<image_soft_token>"), g.Encode("<start_of_turn>user\n<image_soft_token>"));
}

// What the file holds follows llama.cpp's converter, so llama.cpp reads it as it reads its own.
TEST(GgufVocab, Gemma3FileFollowsLlamaCppConventions) {
  const GgufFile& f = *Gemma3RoundTrip().file;
  EXPECT_EQ(f.GetString("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.GetString("tokenizer.ggml.pre"), "default");
  const std::vector<std::string_view> tokens = f.GetStringArray("tokenizer.ggml.tokens");
  const std::vector<int32_t> types = f.GetI32Array("tokenizer.ggml.token_type");
  const std::vector<float> scores = f.GetF32Array("tokenizer.ggml.scores");
  ASSERT_EQ(tokens.size(), 262145u);
  EXPECT_EQ(tokens[138], "  ");  // the added "▁▁" (USER_DEFINED): spaces, as llama.cpp writes it
  EXPECT_EQ(types[138], 4);
  EXPECT_EQ(scores[138], -1000.0f);
  EXPECT_EQ(tokens[2], "<bos>");
  EXPECT_EQ(types[2], 3);  // CONTROL
  EXPECT_EQ(types[3], 3);  // <unk> is a special added token: CONTROL, as llama.cpp writes it
  EXPECT_EQ(types[107], 4);  // "\n"
  EXPECT_EQ(tokens[238], "<0x00>");
  EXPECT_EQ(types[238], 6);  // BYTE
  EXPECT_EQ(types[1000], 1);
  EXPECT_LT(scores[1000], scores[500]);  // later pieces merge later
  EXPECT_EQ(f.GetU32("tokenizer.ggml.bos_token_id"), 2u);
  EXPECT_EQ(f.GetU32("tokenizer.ggml.eos_token_id"), 1u);
  EXPECT_EQ(f.GetU32("tokenizer.ggml.unknown_token_id"), 3u);
  EXPECT_EQ(f.GetU32("tokenizer.ggml.padding_token_id"), 0u);
  EXPECT_TRUE(f.GetBool("tokenizer.ggml.add_bos_token"));
  EXPECT_FALSE(f.GetBool("tokenizer.ggml.add_eos_token"));
  EXPECT_FALSE(f.GetBool("tokenizer.ggml.add_space_prefix"));
}

// A model file's token list stops at the embedding's rows: <image_soft_token> (262144) goes.
TEST(GgufVocab, Gemma3CutToTheEmbeddingRows) {
  SpmVocab v = SpmVocabFromTokenizer(Gemma3(), 262144);
  ASSERT_EQ(v.tokens.size(), 262144u);
  EXPECT_TRUE(v.merges.empty());
  const auto t = ThroughGguf(v);
  EXPECT_EQ(t->vocab_size(), 262144);
  EXPECT_EQ(t->TokenToId("<image_soft_token>"), -1);
  EXPECT_EQ(t->Encode("hello world"), Gemma3().Encode("hello world"));
  const Ids ids = t->Encode("<image_soft_token>");
  EXPECT_GT(ids.size(), 1u);  // plain text now
  for (int32_t id : ids) EXPECT_LT(id, 262144);
}

// tiny-text's tokenizer.json carries EmbeddingGemma's template, <bos> $A <eos>.
TEST(GgufVocab, EmbeddingGemmaTemplate) {
  const auto original = Tokenizer::FromFile(kTinyTextJson);
  const SpmVocab v = SpmVocabFromTokenizer(*original, 262144);
  EXPECT_EQ(v.add_bos, true);
  EXPECT_EQ(v.add_eos, true);
  const auto t = ThroughGguf(v);
  EXPECT_EQ(t->prefix_ids(), Ids({2}));
  EXPECT_EQ(t->suffix_ids(), Ids({1}));
  for (size_t i = 0; i < PublicCases().size(); i += 10) {
    EXPECT_EQ(t->Encode(PublicCases()[i].text), original->Encode(PublicCases()[i].text)) << i;
  }
}

TEST(GgufVocab, MissingOrMistypedKeysAreNamed) {
  auto expect = [](const std::function<void(GgufWriter&)>& fill, const std::string& fragment) {
    GgufWriter w;
    fill(w);
    const auto f = GgufFile::FromBytes(w.ToBytes(), "tok.gguf");
    try {
      TokenizerFromGguf(*f);
      ADD_FAILURE() << "no error, expected: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect([](GgufWriter&) {}, "tok.gguf: metadata 'tokenizer.ggml.model' is missing");
  expect([](GgufWriter& w) { w.SetString("tokenizer.ggml.model", "llama"); }, "'tokenizer.ggml.tokens' is missing");
  expect(
      [](GgufWriter& w) {
        w.SetString("tokenizer.ggml.model", "llama");
        w.SetI32Array("tokenizer.ggml.tokens", {1});
      },
      "'tokenizer.ggml.tokens' has type array of i32, expected array of string");
  expect(
      [](GgufWriter& w) {
        w.SetString("tokenizer.ggml.model", "llama");
        w.SetStringArray("tokenizer.ggml.tokens", std::vector<std::string>{"a", "b"});
        w.SetF32Array("tokenizer.ggml.scores", {0});
      },
      "tokenizer.ggml.scores has 1 entries for 2 tokens");
  expect(
      [](GgufWriter& w) {
        w.SetString("tokenizer.ggml.model", "llama");
        w.SetStringArray("tokenizer.ggml.tokens", std::vector<std::string>{"a", "b"});
        w.SetString("tokenizer.ggml.bos_token_id", "1");
      },
      "'tokenizer.ggml.bos_token_id' has type string, expected an integer (u32)");
}

}  // namespace
}  // namespace gembed
