// Task prompts resolve as the model card says, and EmbedItems equals direct Embed calls
// (tiny-text: random weights, the real tokenizer).
#include "tasks/task_embedding.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "fixtures.h"

namespace gembed::tasks {
namespace {

using gembed::testing::ModelDir;

const Embedder& Tiny() {
  static const auto model = Embedder::Load(ModelDir("tiny-text"), {.threads = 2});
  return *model;
}

TEST(TaskPrompt, DefaultsOverridesAndErrors) {
  TaskPrompt p = ResolveTaskPrompt(Tiny(), "Clustering", "", std::nullopt);
  EXPECT_EQ(p.name, "Clustering");
  EXPECT_EQ(p.text, "task: clustering | query: ");
  EXPECT_EQ(DescribePrompt(p), "Clustering (\"task: clustering | query: \")");
  p = ResolveTaskPrompt(Tiny(), "STS", "document", std::nullopt);
  EXPECT_EQ(p.text, "title: none | text: ");
  EXPECT_TRUE(p.document_form);
  p = ResolveTaskPrompt(Tiny(), "STS", "", std::string(""));
  EXPECT_FALSE(p.name.has_value());
  EXPECT_EQ(DescribePrompt(p), "none");
  try {
    ResolveTaskPrompt(Tiny(), "STS", "Nope", std::nullopt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no prompt named \"Nope\" (it has: BitextMining, Classification"), std::string::npos) << e.what();
  }
}

TEST(EmbedItems, EqualsDirectEmbedCalls) {
  Items items;
  items.source = "x.jsonl";
  for (int i = 0; i < 70; ++i) items.items.push_back({.id = std::to_string(i), .text = "item number " + std::to_string(i), .line = size_t(i + 1)});
  items.items[3].title = "A title";
  TaskEmbedOptions o{.prompt = ResolveTaskPrompt(Tiny(), "STS", "", std::nullopt), .dim = 16};
  const EmbeddingMatrix m = EmbedItems(Tiny(), items, o);
  ASSERT_EQ(m.rows, 70u);
  ASSERT_EQ(m.dim, 16u);
  EmbedOptions direct;
  direct.prompt_name = "STS";
  direct.dim = 16;
  const auto want = Tiny().Embed({{.text = "item number 3"}, {.text = "item number 69"}}, direct);
  EXPECT_EQ(std::vector<float>(m.row(3), m.row(3) + 16), want[0].embedding);  // the title is not used with STS
  EXPECT_EQ(std::vector<float>(m.row(69), m.row(69) + 16), want[1].embedding);

  // The document prompt uses titles.
  o.prompt = ResolveTaskPrompt(Tiny(), "STS", "document", std::nullopt);
  const std::vector<size_t> which = {3};
  const EmbeddingMatrix d = EmbedItems(Tiny(), items, o, &which);
  const auto doc = Tiny().Embed({{.text = "item number 3", .title = "A title"}}, {.dim = 16});
  EXPECT_EQ(std::vector<float>(d.row(0), d.row(0) + 16), doc[0].embedding);
}

std::string LongText() {
  std::string s;
  for (int i = 0; i < 3000; ++i) s += " word" + std::to_string(i % 10);  // well over 2048 tokens
  return s;
}

TEST(EmbedItems, RefusedInputNamesItsLine) {
  Items items;
  items.source = "x.jsonl";
  items.items.push_back({.id = "1", .text = "short", .line = 1});
  items.items.push_back({.id = "2", .text = LongText(), .line = 7});
  TaskEmbedOptions o{.strict = true};
  try {
    EmbedItems(Tiny(), items, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("x.jsonl line 7: ", 0), 0u) << e.what();
  }
}

TEST(EmbedItems, ModelNameIsTheFolder) { EXPECT_EQ(ModelName(Tiny()), "tiny-text"); }

}  // namespace
}  // namespace gembed::tasks
