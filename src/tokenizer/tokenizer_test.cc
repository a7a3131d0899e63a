#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"

namespace gembed {
namespace {

const std::string kShared = GEMBED_SHARED_DIR;
const std::string kGemma3Json = kShared + "/fixtures/tokenizer/gemma3/tokenizer.json";
const std::string kTinyTextJson = kShared + "/fixtures/models/tiny-text/tokenizer.json";
const std::string kPublicJsonl = kShared + "/fixtures/tokenizer/public.jsonl";

using Ids = std::vector<int32_t>;

// Each 33 MB file is loaded once per test binary. A load failure is a test failure
// (FromFile throws), never a skip.
const Tokenizer& Load(const std::string& path) {
  static std::unique_ptr<Tokenizer> gemma3, tiny_text;
  std::unique_ptr<Tokenizer>& slot = path == kGemma3Json ? gemma3 : tiny_text;
  if (!slot) slot = Tokenizer::FromFile(path);
  return *slot;
}
const Tokenizer& Gemma3() { return Load(kGemma3Json); }
const Tokenizer& TinyText() { return Load(kTinyTextJson); }

struct Case {
  std::string text;
  Ids ids;
};

const std::vector<Case>& PublicCases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> out;
    std::ifstream in(kPublicJsonl);
    if (!in) throw Error("cannot open " + kPublicJsonl);
    simdjson::dom::parser parser;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      simdjson::dom::element doc = parser.parse(line);
      Case c;
      c.text = std::string(std::string_view(doc["text"]));
      for (int64_t id : doc["ids"].get_array()) c.ids.push_back(static_cast<int32_t>(id));
      out.push_back(std::move(c));
    }
    return out;
  }();
  return cases;
}

std::string Show(const Ids& ids, size_t from, size_t count = 8) {
  std::ostringstream s;
  s << "[";
  for (size_t k = from; k < ids.size() && k < from + count; ++k) s << (k > from ? "," : "") << ids[k];
  return s.str() + (from + count < ids.size() ? ",...]" : "]");
}

void ExpectAllPublicCases(const Tokenizer& tok) {
  const std::vector<Case>& cases = PublicCases();
  ASSERT_EQ(cases.size(), 151u);
  int failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Ids got = tok.Encode(cases[i].text);
    const Ids& want = cases[i].ids;
    if (got == want) continue;
    size_t at = 0;
    while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
    ADD_FAILURE() << "public.jsonl case " << i << ": first difference at token " << at
                  << " (got " << got.size() << " tokens, want " << want.size() << "): got "
                  << Show(got, at) << " want " << Show(want, at);
    if (++failures >= 10) break;
  }
}

TEST(TokenizerFixtures, PublicCasesGemma3) { ExpectAllPublicCases(Gemma3()); }
TEST(TokenizerFixtures, PublicCasesTinyText) { ExpectAllPublicCases(TinyText()); }

TEST(TokenizerFixtures, PostProcessorTemplates) {
  EXPECT_EQ(Gemma3().prefix_ids(), Ids({2}));  // "<bos> $A"
  EXPECT_EQ(Gemma3().suffix_ids(), Ids({}));
  EXPECT_EQ(TinyText().prefix_ids(), Ids({2}));  // "<bos> $A <eos>"
  EXPECT_EQ(TinyText().suffix_ids(), Ids({1}));
}

// Decode(Encode(s)) gives s back for every public string except one thing: a literal "▁"
// in the input is the model's space marker, so HF decodes it as " " (case 129).
TEST(TokenizerFixtures, DecodeRoundTrip) {
  const Tokenizer& tok = Gemma3();
  int changed = 0;
  for (size_t i = 0; i < PublicCases().size(); ++i) {
    const std::string& text = PublicCases()[i].text;
    std::string want;
    for (size_t k = 0; k < text.size(); ++k) {
      if (text.compare(k, 3, "\xE2\x96\x81") == 0) {
        want += ' ';
        k += 2;
        ++changed;
      } else {
        want += text[k];
      }
    }
    EXPECT_EQ(tok.Decode(tok.Encode(text)), want) << "public.jsonl case " << i;
  }
  EXPECT_EQ(changed, 4);  // the "▁"s of "Metaspace char literal: ▁ ▁▁ word▁word"
}

TEST(TokenizerFixtures, DecodeWithTemplateAndSkipSpecial) {
  const Tokenizer& tok = TinyText();
  Ids ids = tok.prefix_ids();
  const Ids body = tok.Encode("Hello <eos> world");
  ids.insert(ids.end(), body.begin(), body.end());
  ids.insert(ids.end(), tok.suffix_ids().begin(), tok.suffix_ids().end());
  EXPECT_EQ(tok.Decode(ids), "<bos>Hello <eos> world<eos>");
  EXPECT_EQ(tok.Decode(ids, /*skip_special=*/true), "Hello  world");
  // <mask> is an added token but not special: it stays.
  EXPECT_EQ(tok.Decode(Ids{4, 2}, true), "<mask>");
}

TEST(TokenizerFixtures, LiteralSpecialTokenText) {
  const Tokenizer& tok = Gemma3();
  EXPECT_EQ(tok.Encode("<bos>"), Ids({2}));
  EXPECT_EQ(tok.Encode("<pad>"), Ids({0}));  // id 0 is a real token here, not padding
  const Ids a = tok.Encode("a"), b = tok.Encode("b");
  Ids want = a;
  want.push_back(1);
  want.insert(want.end(), b.begin(), b.end());
  EXPECT_EQ(tok.Encode("a<eos>b"), want);
  // Not quite a special token: no match, BPE over the characters.
  const Ids near = tok.Encode("<bos");
  EXPECT_EQ(std::count(near.begin(), near.end(), 2), 0);
  EXPECT_EQ(tok.Decode(near), "<bos");
  // Leftmost-longest: the longest newline-run token wins over "\n" + "\n".
  EXPECT_EQ(tok.Encode("\n\n"), Ids({tok.TokenToId("\n\n")}));
  EXPECT_EQ(tok.Encode("<image_soft_token>"), Ids({262144}));
}

TEST(TokenizerFixtures, VocabularyQueries) {
  const Tokenizer& tok = Gemma3();
  EXPECT_EQ(tok.vocab_size(), 262145);  // 262144 model tokens + <image_soft_token>
  EXPECT_EQ(tok.Piece(0), "<pad>");
  EXPECT_EQ(tok.Piece(1), "<eos>");
  EXPECT_EQ(tok.Piece(2), "<bos>");
  EXPECT_EQ(tok.Piece(238), "<0x00>");
  EXPECT_EQ(tok.Piece(493), "<0xFF>");
  EXPECT_EQ(tok.Piece(262144), "<image_soft_token>");
  EXPECT_EQ(tok.TokenToId("<image_soft_token>"), 262144);
  EXPECT_EQ(tok.TokenToId("<start_of_turn>"), 105);
  EXPECT_EQ(tok.TokenToId("\xE2\x96\x81the"), 506);
  EXPECT_EQ(tok.Piece(506), "\xE2\x96\x81the");
  EXPECT_EQ(tok.TokenToId("no such token, surely"), -1);
  EXPECT_TRUE(tok.IsSpecial(0));
  EXPECT_TRUE(tok.IsSpecial(2));
  EXPECT_TRUE(tok.IsSpecial(262144));
  EXPECT_FALSE(tok.IsSpecial(4));    // <mask>: added, not special
  EXPECT_FALSE(tok.IsSpecial(107));  // "\n"
  EXPECT_FALSE(tok.IsSpecial(506));
  EXPECT_THROW(tok.Piece(262145), Error);
  EXPECT_THROW(tok.Piece(-1), Error);
  EXPECT_THROW(tok.Decode(Ids{5, 262145}), Error);
}

TEST(TokenizerFixtures, ByteFallbackDecoding) {
  const Tokenizer& tok = Gemma3();
  const auto byte = [&](int b) { return 238 + b; };
  EXPECT_EQ(tok.Decode(Ids{byte(0xE2), byte(0x82), byte(0xAC)}), "\xE2\x82\xAC");  // €
  // An invalid group gives one U+FFFD per byte (HF), here 2 for a cut-off sequence.
  EXPECT_EQ(tok.Decode(Ids{byte(0xE2), byte(0x82), 506}), "\xEF\xBF\xBD\xEF\xBF\xBD the");
  EXPECT_EQ(tok.Decode(Ids{byte(0xFF)}), "\xEF\xBF\xBD");
  // A character missing from the vocabulary encodes as its bytes and decodes back.
  const std::string rare = "\xF3\xB0\x80\x80";  // U+F0000, private use plane 15
  const Ids ids = tok.Encode(rare);
  EXPECT_EQ(ids, Ids({byte(0xF3), byte(0xB0), byte(0x80), byte(0x80)}));
  EXPECT_EQ(tok.Decode(ids), rare);
}

TEST(TokenizerFixtures, InputErrors) {
  const Tokenizer& tok = Gemma3();
  EXPECT_EQ(tok.Encode(""), Ids());
  try {
    tok.Encode("ab\xFF" "cd");
    ADD_FAILURE() << "invalid UTF-8 was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 in text at byte 2");
  }
  EXPECT_THROW(tok.Encode("\xED\xA0\x80"), Error);  // a surrogate
}

TEST(TokenizerFixtures, LongTextIsFast) {
  // 200 KB without a newline: one BPE segment. A quadratic merge would take minutes.
  std::string text;
  while (text.size() < 200000) text += "Lorem ipsum dolor sit amet, consectetur adipiscing. ";
  const Ids ids = Gemma3().Encode(text);
  EXPECT_GT(ids.size(), 20000u);
  EXPECT_EQ(Gemma3().Decode(ids), text);
}

TEST(TokenizerFixtures, ConcurrentEncodeAgrees) {
  // Encode is const and keeps its working memory per call, so threads may share one
  // Tokenizer (the engine tokenizes batches on its thread pool).
  const Tokenizer& tok = Gemma3();
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (const Case& c : PublicCases()) mismatches[t] += tok.Encode(c.text) != c.ids;
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// ---- Small synthetic tokenizer.json files, for the behaviour Gemma's file does not use.

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "/gembed_tok_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// A BPE tokenizer.json with `vocab` (ids in order), merges and extra JSON members.
std::string MiniJson(const std::vector<std::string>& vocab, const std::string& merges,
                     const std::string& model_extra = "", const std::string& top_extra = "") {
  std::string v;
  for (size_t i = 0; i < vocab.size(); ++i) {
    if (i > 0) v += ',';
    v += "\"" + vocab[i] + "\":" + std::to_string(i);
  }
  return "{\"model\":{\"type\":\"BPE\",\"vocab\":{" + v + "},\"merges\":" + merges + model_extra +
         "}" + top_extra + "}";
}

std::unique_ptr<Tokenizer> Mini(const std::string& name, const std::string& json) {
  return Tokenizer::FromFile(WriteTemp(name + ".json", json));
}

std::string ErrorOf(const std::string& name, const std::string& json) {
  try {
    Mini(name, json);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerMini, MergeOrderIsByRankThenLeftmost) {
  const std::vector<std::string> vocab = {"a", "b", "c", "ab", "bc", "aa"};
  auto bc_first = Mini("rank1", MiniJson(vocab, R"([["b","c"],["a","b"],["a","a"]])"));
  EXPECT_EQ(bc_first->Encode("abc"), Ids({0, 4}));
  auto ab_first = Mini("rank2", MiniJson(vocab, R"([["a","b"],["b","c"]])"));
  EXPECT_EQ(ab_first->Encode("abc"), Ids({3, 2}));
  EXPECT_EQ(bc_first->Encode("aaa"), Ids({5, 0}));  // equal ranks: leftmost pair first
  EXPECT_EQ(bc_first->Encode("aaaa"), Ids({5, 5}));
  // Older files write merges as "left right" strings.
  auto legacy = Mini("legacy", MiniJson(vocab, R"(["a b","b c"])"));
  EXPECT_EQ(legacy->Encode("abc"), Ids({3, 2}));
}

TEST(TokenizerMini, UnknownCharacters) {
  const std::vector<std::string> vocab = {"<unk>", "a", "<0x78>"};
  auto fused = Mini("unk1", MiniJson(vocab, "[]", R"(,"unk_token":"<unk>","fuse_unk":true)"));
  EXPECT_EQ(fused->Encode("yza"), Ids({0, 1}));
  auto plain = Mini("unk2", MiniJson(vocab, "[]", R"(,"unk_token":"<unk>","fuse_unk":false)"));
  EXPECT_EQ(plain->Encode("yza"), Ids({0, 0, 1}));
  // Byte fallback needs every byte of the character: "x" has <0x78>, "y" has no <0x79>.
  auto bytes = Mini("unk3", MiniJson(vocab, "[]", R"(,"unk_token":"<unk>","byte_fallback":true)"));
  EXPECT_EQ(bytes->Encode("xya"), Ids({2, 0, 1}));
  auto none = Mini("unk4", MiniJson(vocab, "[]"));  // no unk_token: HF drops the character
  EXPECT_EQ(none->Encode("yza"), Ids({1}));
}

TEST(TokenizerMini, IgnoreMerges) {
  const std::vector<std::string> vocab = {"a", "b", "c", "abc"};
  EXPECT_EQ(Mini("im1", MiniJson(vocab, "[]", R"(,"ignore_merges":true)"))->Encode("abc"),
            Ids({3}));
  EXPECT_EQ(Mini("im2", MiniJson(vocab, "[]"))->Encode("abc"), Ids({0, 1, 2}));
}

TEST(TokenizerMini, AddedTokenStripping) {
  const std::vector<std::string> vocab = {"a", "\xE2\x96\x81", "<m>"};
  const std::string normalizer =
      R"(,"normalizer":{"type":"Replace","pattern":{"String":" "},"content":"▁"})";
  const auto added = [&](const char* flags) {
    return normalizer + R"(,"added_tokens":[{"id":2,"content":"<m>",)" + flags + "}]";
  };
  auto strip = Mini("strip1", MiniJson(vocab, "[]", "",
                                       added(R"("lstrip":true,"rstrip":true,"normalized":false)")));
  EXPECT_EQ(strip->Encode("a <m>  a"), Ids({0, 2, 0}));
  auto keep = Mini("strip2", MiniJson(vocab, "[]", "", added(R"("normalized":false)")));
  EXPECT_EQ(keep->Encode("a <m>  a"), Ids({0, 1, 2, 1, 1, 0}));
}

TEST(TokenizerMini, NormalizedAddedTokensMatchAfterNormalizing) {
  // "x y" (id 3, new) is normalized: it is searched as "x▁y" in normalized text, so a
  // literal "x▁y" matches it too; a non-normalized token would match only raw "x y".
  const std::vector<std::string> vocab = {"x", "y", "\xE2\x96\x81"};
  const std::string json = MiniJson(
      vocab, "[]", "",
      R"(,"normalizer":{"type":"Sequence","normalizers":[{"type":"Replace","pattern":{"String":" "},"content":"▁"}]})"
      R"(,"added_tokens":[{"id":3,"content":"x y","normalized":true}])");
  auto tok = Mini("norm", json);
  EXPECT_EQ(tok->Encode("yx yx"), Ids({1, 3, 0}));
  EXPECT_EQ(tok->Encode("yx\xE2\x96\x81yx"), Ids({1, 3, 0}));
  EXPECT_EQ(tok->vocab_size(), 4);
  EXPECT_EQ(tok->Piece(3), "x y");
}

TEST(TokenizerMini, SplitBehaviours) {
  // Merges across "-" show where the pre-tokenizer cut: "a-" ranks before "-a".
  const std::vector<std::string> vocab = {"a", "-", "a-", "-a"};
  const auto with = [&](const std::string& name, const char* behavior, bool invert = false,
                        const char* pattern = "-") {
    return Mini(name, MiniJson(vocab, R"([["a","-"],["-","a"]])", "",
                               std::string(R"(,"pre_tokenizer":{"type":"Split","pattern":{"String":")") +
                                   pattern + R"("},"behavior":")" + behavior +
                                   R"(","invert":)" + (invert ? "true" : "false") + "}"));
  };
  EXPECT_EQ(Mini("split0", MiniJson(vocab, R"([["a","-"],["-","a"]])"))->Encode("a-a"), Ids({2, 0}));
  EXPECT_EQ(with("split1", "Removed")->Encode("a-a"), Ids({0, 0}));
  EXPECT_EQ(with("split2", "Isolated")->Encode("a-a"), Ids({0, 1, 0}));
  EXPECT_EQ(with("split3", "MergedWithPrevious")->Encode("a-a"), Ids({2, 0}));
  EXPECT_EQ(with("split4", "MergedWithNext")->Encode("a-a"), Ids({0, 3}));
  EXPECT_EQ(with("split5", "Contiguous")->Encode("a--a"), Ids({0, 1, 1, 0}));
  EXPECT_EQ(with("split6", "Removed", /*invert=*/true, "a")->Encode("a-a"), Ids({0, 0}));
  // A leading delimiter has no previous piece to join, so it stands alone (HF's fold).
  EXPECT_EQ(with("split7", "MergedWithPrevious")->Encode("-a"), Ids({1, 0}));
}

TEST(TokenizerMini, PrependAndNoDecoder) {
  const std::vector<std::string> vocab = {"a", "\xE2\x96\x81", "\xE2\x96\x81" "a"};
  auto tok = Mini("prepend", MiniJson(vocab, R"([["▁","a"]])", "",
                                      R"(,"normalizer":{"type":"Prepend","prepend":"▁"})"));
  EXPECT_EQ(tok->Encode("aa"), Ids({2, 0}));
  EXPECT_EQ(tok->Decode(Ids{2, 0}), "\xE2\x96\x81" "a a");  // no decoder: HF joins with " "
  EXPECT_TRUE(tok->prefix_ids().empty());
  EXPECT_TRUE(tok->suffix_ids().empty());
}

TEST(TokenizerErrors, MissingFileNamesThePath) {
  const std::string path = testing::TempDir() + "/gembed_no_such_dir/tokenizer.json";
  try {
    Tokenizer::FromFile(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tokenizer::FromFile(testing::TempDir()), Error);  // a directory
}

TEST(TokenizerErrors, MalformedJson) {
  const std::string path = WriteTemp("bad.json", R"({"model": {"type": "BPE", "vocab": {"a" 0}}})");
  try {
    Tokenizer::FromFile(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("malformed JSON"), std::string::npos) << m;
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("at byte 40"), std::string::npos) << m;  // where the ':' is missing
  }
}

TEST(TokenizerErrors, RefusedComponentsAreNamed) {
  const std::vector<std::string> v = {"a", "b"};
  const auto expect = [](const std::string& message, const std::vector<std::string>& parts) {
    for (const std::string& p : parts) EXPECT_NE(message.find(p), std::string::npos) << message;
  };
  expect(ErrorOf("wp", R"({"model":{"type":"WordPiece","vocab":{"a":0}}})"),
         {"WordPiece", "model.type", "gembed_tok_wp.json"});
  expect(ErrorOf("nomodel", R"({"normalizer":null})"), {"missing key 'model'"});
  expect(ErrorOf("nfkc", MiniJson(v, "[]", "", R"(,"normalizer":{"type":"NFKC"})")),
         {"normalizer.type", "NFKC"});
  expect(ErrorOf("regex", MiniJson(v, "[]", "",
                                   R"(,"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\s+"},"behavior":"Isolated"})")),
         {"pre_tokenizer.pattern", "Regex"});
  expect(ErrorOf("meta", MiniJson(v, "[]", "", R"(,"pre_tokenizer":{"type":"Metaspace"})")),
         {"Metaspace"});
  expect(ErrorOf("strip", MiniJson(v, "[]", "", R"(,"decoder":{"type":"Sequence","decoders":[{"type":"Strip"}]})")),
         {"decoder.decoders[0].type", "Strip"});
  expect(ErrorOf("bert", MiniJson(v, "[]", "", R"(,"post_processor":{"type":"BertProcessing"})")),
         {"post_processor.type", "BertProcessing"});
  expect(ErrorOf("merge", MiniJson(v, R"([["a","b"]])")), {"model.merges[0]", "'ab'"});
  expect(ErrorOf("dropout", MiniJson(v, "[]", R"(,"dropout":0.1)")), {"model.dropout"});
  expect(ErrorOf("single", MiniJson(v, "[]", "", R"(,"added_tokens":[{"id":2,"content":"<x>","single_word":true}])")),
         {"added_tokens[0].single_word"});
  expect(ErrorOf("addid", MiniJson(v, "[]", "", R"(,"added_tokens":[{"id":7,"content":"<x>"}])")),
         {"added_tokens[0].id", "id 7", "id 2"});
  expect(ErrorOf("dupid", R"({"model":{"type":"BPE","vocab":{"a":0,"b":0},"merges":[]}})"),
         {"model.vocab['b']", "id 0"});
  expect(ErrorOf("tmpl", MiniJson(v, "[]", "",
                                  R"(,"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"special_tokens":{}})")),
         {"'<s>'", "special_tokens"});
}

}  // namespace
}  // namespace gembed
