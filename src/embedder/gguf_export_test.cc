// gembed convert's GGUF files against the folders they came from: f32 round trips give
// bit-identical embeddings (norm weights go through GGUF's 1 + w and come back exactly),
// GGUF → GGUF copies unchanged, quantised files stay close, and text goes through the
// tokenizer rebuilt from GGUF metadata exactly as through tokenizer.json.
#include "embedder/gguf_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/error.h"
#include "embedder/embedder.h"
#include "fixtures.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

std::vector<std::vector<float>> EmbedIdCases(const std::string& model, const std::string& fixture,
                                             const std::string& weights = "auto") {
  const auto m = Embedder::Load(model, {.threads = 2, .weights = weights});
  std::vector<EmbedInput> in;
  const nlohmann::json expected = LoadExpected(fixture);  // a range-for over a temporary's member would dangle
  for (const auto& c : expected["cases"]) in.push_back({.ids = c["input_ids"].get<std::vector<int32_t>>()});
  std::vector<std::vector<float>> out;
  for (auto& r : m->Embed(in)) out.push_back(std::move(r.embedding));
  return out;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class GgufExport : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshTempDir(); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Out(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(GgufExport, F32RoundTripIsBitIdentical) {
  for (const char* model : {"tiny-a", "tiny-b"}) {
    const std::string out = Out(std::string(model) + ".gguf");
    const GgufExportResult r = ExportGguf(ModelDir(model), out, "f32");
    EXPECT_GT(r.tensors, 10);
    EXPECT_EQ(EmbedIdCases(out, model), EmbedIdCases(ModelDir(model), model)) << model;
  }
}

TEST_F(GgufExport, Bf16FolderKeepsItsTypeUnderAuto) {
  const std::string out = Out("tiny-b.gguf");
  ExportGguf(ModelDir("tiny-b"), out, "auto");  // tiny-b is stored in BF16
  const auto m = Embedder::Load(out, {.threads = 1});
  EXPECT_EQ(m->model().weights_dtype, "BF16");
  EXPECT_EQ(EmbedIdCases(out, "tiny-b"), EmbedIdCases(ModelDir("tiny-b"), "tiny-b"));
}

TEST_F(GgufExport, GgufToGgufUnderAutoCopiesTheFile) {
  ExportGguf(ModelDir("tiny-a"), Out("a.gguf"), "q8_0");
  ExportGguf(Out("a.gguf"), Out("b.gguf"), "auto");
  const std::string a = ReadAll(Out("a.gguf")), b = ReadAll(Out("b.gguf"));
  EXPECT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == b) << "sizes " << a.size() << " and " << b.size();
}

TEST_F(GgufExport, QuantisedFilesStayCloseToTheReference) {
  const nlohmann::json cases = LoadExpected("tiny-a")["cases"];
  const std::pair<const char*, double> types[] = {{"q8_0", 0.999}, {"mixed", 0.85}, {"q4_0", 0.8}, {"bf16", 0.9999},
                                                  {"f16", 0.9999}};
  for (const auto& [type, floor] : types) {
    const std::string out = Out(std::string(type) + ".gguf");
    ExportGguf(ModelDir("tiny-a"), out, type);
    const auto got = EmbedIdCases(out, "tiny-a");
    ASSERT_EQ(got.size(), cases.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_GE(Cosine(got[i], Floats(cases[i]["embedding"])), floor) << type << " case " << i;
  }
}

TEST_F(GgufExport, TextThroughTheGgufTokenizerMatchesTokenizerJson) {
  const std::string out = Out("tiny-text.gguf");
  ExportGguf(ModelDir("tiny-text"), out, "f32");
  const auto folder = Embedder::Load(ModelDir("tiny-text"), {.threads = 2});
  const auto gguf = Embedder::Load(out, {.threads = 2});
  // Prompts travel in gembed.* keys, so named prompts work on the converted file.
  EXPECT_EQ(gguf->prompts(), folder->prompts());
  const nlohmann::json expected = LoadExpected("tiny-text");
  for (const auto& c : expected["cases"]) {
    if (!c.contains("text")) continue;
    EmbedInput in{.text = c["text"].get<std::string>(), .prompt = c["prompt"].get<std::string>()};
    if (c.contains("title") && !c["title"].is_null()) in.title = c["title"].get<std::string>();
    const auto a = folder->Embed({in}), b = gguf->Embed({in});
    EXPECT_EQ(a[0].tokens, b[0].tokens) << c["name"];
    EXPECT_EQ(a[0].embedding, b[0].embedding) << c["name"];
  }
}

// llama.cpp's files carry no prompts: they get EmbeddingGemma's published set.
TEST_F(GgufExport, AFileWithoutPromptsGetsEmbeddingGemmasPrompts) {
  const fs::path folder = dir_ / "no-prompts";
  fs::create_directories(folder);
  LinkFolderExcept(ModelDir("tiny-a"), folder, {"config_sentence_transformers.json"});
  ExportGguf(folder.string(), Out("np.gguf"), "f32");
  const auto m = Embedder::Load(Out("np.gguf"), {.threads = 1});
  ASSERT_EQ(m->prompts().count("query"), 1u);
  EXPECT_EQ(m->prompts().at("query"), "task: search result | query: ");
  EXPECT_EQ(m->prompts().at("document"), "title: none | text: ");
  EXPECT_EQ(m->prompts().size(), 14u);
}

TEST_F(GgufExport, BadRequestsAreClearErrors) {
  EXPECT_THROW(ExportGguf(ModelDir("tiny-a"), Out("x.gguf"), "q5_k"), Error);
  EXPECT_FALSE(fs::exists(Out("x.gguf")));
  EXPECT_THROW(ExportGguf(Out("missing"), Out("y.gguf"), "f32"), Error);
  EXPECT_FALSE(fs::exists(Out("y.gguf")));
}

}  // namespace
}  // namespace gembed
