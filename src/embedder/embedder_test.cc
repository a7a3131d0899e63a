// The public API end to end on the fixture models: texts with prompts and titles through
// the real tokenizer (tiny-text), token ids (tiny-a, tiny-b), Matryoshka, batching, errors.
#include "embedder/embedder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/error.h"
#include "fixtures.h"

namespace gembed {
namespace {

using namespace gembed::testing;

// Each test binary loads a model once; Embed is const and thread-safe.
const Embedder& Model(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Embedder>> cache;
  auto& slot = cache[name];
  if (!slot) slot = Embedder::Load(ModelDir(name), {.threads = 2});
  return *slot;
}

// How a fixture case asks for its prompt.
EmbedInput FixtureInput(const nlohmann::json& c) {
  EmbedInput in;
  in.text = c["text"].get<std::string>();
  if (!c["title"].is_null()) {
    in.title = c["title"].get<std::string>();
  } else if (!c["prompt_name"].is_null()) {
    in.prompt_name = c["prompt_name"].get<std::string>();
  } else {
    in.prompt = c["prompt"].get<std::string>();
  }
  return in;
}

void ExpectEmbedding(const std::vector<float>& got, const nlohmann::json& want) {
  EXPECT_LE(MaxAbsDiff(got, Floats(want)), kEmbeddingTol);
  EXPECT_GE(Cosine(got, Floats(want)), kEmbeddingCos);
}

TEST(Embedder, TextCasesEndToEnd) {
  const Embedder& m = Model("tiny-text");
  const nlohmann::json exp = LoadExpected("tiny-text");
  std::vector<EmbedInput> inputs;
  for (const auto& c : exp["cases"]) inputs.push_back(FixtureInput(c));
  ASSERT_EQ(inputs.size(), 20u);
  // All cases in one call: batching must not change any of them.
  const auto results = m.Embed(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& c = exp["cases"][i];
    SCOPED_TRACE(c["name"].get<std::string>());
    const PreparedInput p = m.Prepare(inputs[i], {});
    EXPECT_EQ(p.input_string, c["input_string"].get<std::string>());
    EXPECT_EQ(p.ids, c["input_ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(results[i].tokens, c["length"].get<int>());
    EXPECT_EQ(results[i].truncated, c["truncated"].get<bool>());
    EXPECT_EQ(results[i].input_tokens, c["num_text_tokens"].get<int>() + 2);
    ExpectEmbedding(results[i].embedding, c["embedding"]);
  }
}

TEST(Embedder, TextMatryoshkaDims) {
  const Embedder& m = Model("tiny-text");
  const nlohmann::json exp = LoadExpected("tiny-text");
  for (const char* dim : {"16", "8"}) {
    EmbedOptions o;
    o.dim = std::stoi(dim);
    for (const auto& c : exp["cases"]) {
      SCOPED_TRACE(c["name"].get<std::string>() + " dim " + dim);
      const auto r = m.Embed({FixtureInput(c)}, o);
      ASSERT_EQ(r[0].embedding.size(), static_cast<size_t>(o.dim));
      ExpectEmbedding(r[0].embedding, c["matryoshka"][dim]);
    }
  }
}

TEST(Embedder, OptionsPromptAndTitleForms) {
  const Embedder& m = Model("tiny-text");
  EmbedOptions q;
  q.prompt_name = "query";
  EXPECT_EQ(m.Prepare({.text = "hi"}, q).input_string, "task: search result | query: hi");
  EmbedOptions raw;
  raw.prompt = "custom: ";
  EXPECT_EQ(m.Prepare({.text = "hi"}, raw).input_string, "custom: hi");
  // Per-input settings win over the options; a title implies the document form.
  EXPECT_EQ(m.Prepare({.text = "hi", .prompt_name = "STS"}, q).input_string, "task: sentence similarity | query: hi");
  EXPECT_EQ(m.Prepare({.text = "hi", .title = "Paris"}, q).input_string, "title: Paris | text: hi");
  EXPECT_EQ(m.Prepare({.text = "hi", .title = ""}, q).input_string, "title: none | text: hi");
  EXPECT_EQ(m.Prepare({.text = "  hi \n"}, {}).input_string, "hi");
}

TEST(Embedder, IdInputsTinyAAndTinyB) {
  for (const char* name : {"tiny-a", "tiny-b"}) {
    SCOPED_TRACE(name);
    const Embedder& m = Model(name);
    const nlohmann::json exp = LoadExpected(name);
    std::vector<EmbedInput> inputs;
    for (const auto& c : exp["cases"]) inputs.push_back({.ids = c["input_ids"].get<std::vector<int32_t>>()});
    EmbedOptions o;
    o.batch_size = 5;  // several batches of mixed lengths
    const auto results = m.Embed(inputs, o);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& c = exp["cases"][i];
      SCOPED_TRACE(c["name"].get<std::string>());
      EXPECT_EQ(results[i].tokens, c["length"].get<int>());
      EXPECT_FALSE(results[i].truncated);
      ExpectEmbedding(results[i].embedding, c["embedding"]);
      for (auto it = c["matryoshka"].begin(); it != c["matryoshka"].end(); ++it) {
        EmbedOptions od;
        od.dim = std::stoi(it.key());
        ExpectEmbedding(m.Embed({inputs[i]}, od)[0].embedding, it.value());
      }
    }
  }
}

TEST(Embedder, ThreadSafeAndThreadCountInvariant) {
  const Embedder& m = Model("tiny-a");
  const nlohmann::json exp = LoadExpected("tiny-a");
  const EmbedInput in{.ids = exp["cases"][8]["input_ids"].get<std::vector<int32_t>>()};
  const auto want = m.Embed({in})[0].embedding;
  auto one = Embedder::Load(ModelDir("tiny-a"), {.threads = 1});
  EXPECT_EQ(one->Embed({in})[0].embedding, want);  // bit-identical with 1 or 2 threads
  std::vector<std::thread> threads;
  std::vector<std::vector<float>> got(4);
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { got[t] = m.Embed({in})[0].embedding; });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

TEST(Embedder, TruncatesOverLongTextAndReportsIt) {
  const Embedder& m = Model("tiny-text");
  const nlohmann::json exp = LoadExpected("tiny-text");
  const auto& c = exp["cases"][19];
  ASSERT_EQ(c["name"], "long_3000_tokens_truncated");
  const auto r = m.Embed({FixtureInput(c)});
  EXPECT_TRUE(r[0].truncated);
  EXPECT_EQ(r[0].tokens, 2048);
  EXPECT_EQ(r[0].input_tokens, 2960);
  EmbedOptions strict;
  strict.strict = true;
  try {
    m.Embed({FixtureInput(c)}, strict);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "input 0: 2960 tokens; the model takes at most 2048 (strict mode; without it the input would be truncated)");
  }
}

void ExpectError(const Embedder& m, std::vector<EmbedInput> in, const EmbedOptions& o, const std::string& msg) {
  try {
    m.Embed(in, o);
    FAIL() << "no error, expected: " << msg;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), msg);
  }
}

TEST(Embedder, BadInputErrors) {
  const Embedder& m = Model("tiny-text");
  ExpectError(m, {{.text = "ok"}, {.text = "bad \xff byte"}}, {}, "input 1: invalid UTF-8 in text at byte 4");
  ExpectError(m, {{.text = "x", .title = "\xc3"}}, {}, "input 0: invalid UTF-8 in title at byte 0");
  ExpectError(m, {{.text = "  \n "}}, {}, "input 0: nothing to embed (empty text and no prompt)");
  ExpectError(m, {{.text = ""}}, {}, "input 0: nothing to embed (empty text and no prompt)");
  EmbedOptions bad_prompt;
  bad_prompt.prompt_name = "nope";
  const std::string known =
      "BitextMining, Classification, Clustering, InstructionRetrieval, MultilabelClassification, PairClassification, "
      "Reranking, Retrieval, Retrieval-document, Retrieval-query, STS, Summarization, document, query";
  ExpectError(m, {{.text = "x"}}, bad_prompt, "input 0: unknown prompt name 'nope'; this model has: " + known);
  EmbedOptions big;
  big.dim = 33;
  ExpectError(m, {{.text = "x"}}, big,
              "dimension 33 is not possible: choose 1..32 (Matryoshka dimensions of EmbeddingGemma: 768, 512, 256, 128)");
  big.dim = -1;
  ExpectError(m, {{.text = "x"}}, big,
              "dimension -1 is not possible: choose 1..32 (Matryoshka dimensions of EmbeddingGemma: 768, 512, 256, 128)");
  ExpectError(m, {{.ids = std::vector<int32_t>{2, 262144, 1}}}, {},
              "input 0: token id 262144 at position 1 is outside the vocabulary (0..262143)");
  ExpectError(m, {{.ids = std::vector<int32_t>{}}}, {}, "input 0: no token ids");
  // <image_soft_token> is in the tokenizer but has no embedding row.
  ExpectError(m, {{.text = "<image_soft_token>"}}, {},
              "input 0: token '<image_soft_token>' (id 262144) has no embedding in this model (vocabulary 262144)");
  const Embedder& ids_only = Model("tiny-a");
  ExpectError(ids_only, {{.text = "hello"}}, {},
              "input 0: " + ModelDir("tiny-a") + " has no tokenizer.json, so only token-id inputs can be embedded");
}

TEST(Embedder, OverLongIdsTruncateKeepingLastId) {
  const Embedder& m = Model("tiny-a");
  std::vector<int32_t> ids(3000, 7);
  ids.front() = 2;
  ids.back() = 1;
  const PreparedInput p = m.Prepare({.ids = ids}, {});
  EXPECT_TRUE(p.truncated);
  ASSERT_EQ(p.ids.size(), 2048u);
  EXPECT_EQ(p.ids.front(), 2);
  EXPECT_EQ(p.ids.back(), 1);
  EmbedOptions strict;
  strict.strict = true;
  EXPECT_THROW(m.Prepare({.ids = ids}, strict), Error);
}

}  // namespace
}  // namespace gembed

namespace gembed {
namespace {

TEST(Embedder, DefaultPromptNameAppliesUnlessOverridden) {
  namespace fs = std::filesystem;
  const fs::path dir = testing::FreshTempDir();
  testing::LinkFolderExcept(testing::ModelDir("tiny-text"), dir, {"config_sentence_transformers.json"});
  std::ofstream(dir / "config_sentence_transformers.json")
      << R"({"prompts": {"query": "task: search result | query: ", "document": "title: none | text: "},
            "default_prompt_name": "query"})";
  const auto m = Embedder::Load(dir.string(), {.threads = 1});
  EXPECT_EQ(m->Prepare({.text = "hi"}, {}).input_string, "task: search result | query: hi");
  EmbedOptions none;
  none.prompt = "";  // an explicit empty raw prompt means no prompt
  EXPECT_EQ(m->Prepare({.text = "hi"}, none).input_string, "hi");
  EXPECT_EQ(m->prompts().size(), 2u);

  std::ofstream(dir / "config_sentence_transformers.json", std::ios::trunc)
      << R"({"prompts": {"query": "q: "}, "default_prompt_name": "document"})";
  try {
    Embedder::Load(dir.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("default_prompt_name 'document' is not among the prompts"), std::string::npos);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gembed
