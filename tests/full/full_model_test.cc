// The real model's shapes: the full-size random checkpoint (768 hidden, 24 layers, 262144
// vocabulary, BF16, window 512) against full-random.expected.json. scripts/test.sh
// generates the model with ../shared/tools/make_random_model.py; if it is missing this
// test fails (never skips).
#include <gtest/gtest.h>

#include <cstdio>

#include "base/mapped_file.h"
#include "embedder/embedder.h"
#include "fixtures.h"

namespace gembed {
namespace {

using namespace gembed::testing;

TEST(FullRandomModel, ReproducesReference) {
  const std::string dir = GEMBED_FULL_MODEL_DIR;
  ASSERT_TRUE(FileExists(dir + "/model.safetensors"))
      << dir << " is missing: run scripts/test.sh, or ../shared/tools/make_random_model.py full " << dir;
  const auto model = Embedder::Load(dir, {.threads = 0});
  EXPECT_EQ(model->output_dim(), 768);
  EXPECT_EQ(model->model().config.window_radius(), 256);
  const nlohmann::json exp = LoadExpected("full-random");

  std::vector<EmbedInput> inputs;
  for (const auto& c : exp["cases"]) inputs.push_back({.ids = c["input_ids"].get<std::vector<int32_t>>()});
  const auto results = model->Embed(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& c = exp["cases"][i];
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_EQ(results[i].tokens, c["length"].get<int>());
    EXPECT_LE(MaxAbsDiff(results[i].embedding, Floats(c["embedding"])), kEmbeddingTol);
    EXPECT_GE(Cosine(results[i].embedding, Floats(c["embedding"])), kEmbeddingCos);
    for (auto it = c["matryoshka"].begin(); it != c["matryoshka"].end(); ++it) {
      std::vector<float> m(results[i].embedding.begin(), results[i].embedding.begin() + std::stoi(it.key()));
      double n = 0;
      for (float v : m) n += double(v) * v;
      for (float& v : m) v = static_cast<float>(v / std::sqrt(n));
      EXPECT_LE(MaxAbsDiff(m, Floats(it.value())), kEmbeddingTol) << "dim " << it.key();
    }
  }

  // The padded batch of the reference, as a ragged batch.
  const auto& b = exp["batched"];
  std::vector<EmbedInput> batch;
  const auto rows = b["input_ids"].get<std::vector<std::vector<int32_t>>>();
  const auto masks = b["attention_mask"].get<std::vector<std::vector<int>>>();
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<int32_t> ids;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      if (masks[r][i]) ids.push_back(rows[r][i]);
    }
    batch.push_back({.ids = ids});
  }
  const auto got = model->Embed(batch);
  for (size_t r = 0; r < got.size(); ++r) {
    EXPECT_LE(MaxAbsDiff(got[r].embedding, Floats(b["embeddings"][r])), kEmbeddingTol) << "row " << r;
  }
}

// Every weight type on the real shapes: f32 and bf16 compute exactly what the reference
// does; the quantised plans are judged by cosine to the f32 result (printed per case for
// docs/benchmarks.md). Random weights are harder on int4 than trained ones (no outliers
// to protect, no QAT), so the floors are loose; the figures are the point.
TEST(FullRandomModel, EveryWeightTypeAgainstTheF32Reference) {
  const std::string dir = GEMBED_FULL_MODEL_DIR;
  ASSERT_TRUE(FileExists(dir + "/model.safetensors")) << dir << " is missing";
  const nlohmann::json exp = LoadExpected("full-random");
  std::vector<EmbedInput> inputs;
  for (const auto& c : exp["cases"]) inputs.push_back({.ids = c["input_ids"].get<std::vector<int32_t>>()});
  // {weights, activations, floor}: q8_0/q4_0 under auto multiply int8 activations where the
  // CPU has VNNI; "f32" activations keep them in f32; "low" rounds them to bf16 for bf16.
  struct Plan {
    const char* weights;
    const char* activations;
    double floor;
  };
  const Plan plans[] = {{"f32", "auto", 0.99999}, {"bf16", "auto", 0.99999}, {"bf16", "low", 0.9999},
                        {"q8_0", "auto", 0.998},  {"q8_0", "f32", 0.999},   {"mixed", "auto", 0.93},
                        {"q4_0", "auto", 0.85},   {"q4_0", "f32", 0.85}};
  for (const auto& [plan, activations, floor] : plans) {
    const auto model = Embedder::Load(dir, {.threads = 0, .weights = plan, .activations = activations});
    const auto results = model->Embed(inputs);
    std::string line = std::string("cosine to f32, ") + plan + " × " + activations + " activations:";
    for (size_t i = 0; i < inputs.size(); ++i) {
      const double cos = Cosine(results[i].embedding, Floats(exp["cases"][i]["embedding"]));
      line += " " + exp["cases"][i]["name"].get<std::string>() + "=" + std::to_string(cos);
      EXPECT_GE(cos, floor) << plan << " " << exp["cases"][i]["name"];
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace
}  // namespace gembed
