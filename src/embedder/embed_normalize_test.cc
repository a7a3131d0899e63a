// EmbedOptions::normalize = false: the vector before the model's final Normalize module
// (TEI's `normalize: false`), on tiny-text (Pooling → Dense → Dense → Normalize).
#include <gtest/gtest.h>

#include <cmath>

#include "embedder/embedder.h"
#include "fixtures.h"

namespace gembed {
namespace {

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

std::vector<float> Normalized(std::vector<float> v) {
  const double n = Norm(v);
  for (float& x : v) x = static_cast<float>(x / n);
  return v;
}

TEST(EmbedNormalize, FalseGivesThePreNormalizeVector) {
  const auto m = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 2});
  ASSERT_TRUE(m->model().normalize) << "tiny-text ends with a Normalize module";
  const std::vector<EmbedInput> inputs = {{.text = "What is the capital of France?"},
                                          {.text = "Paris is the capital.", .title = "France"}};
  EmbedOptions raw_opt;
  raw_opt.normalize = false;
  const auto unit = m->Embed(inputs);
  const auto raw = m->Embed(inputs, raw_opt);
  ASSERT_EQ(raw.size(), 2u);
  for (size_t i = 0; i < raw.size(); ++i) {
    ASSERT_EQ(raw[i].embedding.size(), static_cast<size_t>(m->output_dim()));
    EXPECT_GT(std::fabs(Norm(raw[i].embedding) - 1.0), 1e-3) << "not a unit vector: " << Norm(raw[i].embedding);
    EXPECT_NEAR(Norm(unit[i].embedding), 1.0, 1e-6);
    EXPECT_LE(testing::MaxAbsDiff(Normalized(raw[i].embedding), unit[i].embedding), 1e-6);
    EXPECT_EQ(raw[i].tokens, unit[i].tokens);
  }

  // Matryoshka without normalisation: the first `dim` floats of the raw vector, as they are.
  raw_opt.dim = 16;
  const auto raw16 = m->Embed(inputs, raw_opt);
  EmbedOptions unit_opt;
  unit_opt.dim = 16;
  const auto unit16 = m->Embed(inputs, unit_opt);
  for (size_t i = 0; i < raw16.size(); ++i) {
    const std::vector<float> head(raw[i].embedding.begin(), raw[i].embedding.begin() + 16);
    EXPECT_EQ(raw16[i].embedding, head);
    EXPECT_NEAR(Norm(unit16[i].embedding), 1.0, 1e-6);
    EXPECT_LE(testing::MaxAbsDiff(Normalized(raw16[i].embedding), unit16[i].embedding), 1e-6);
  }
}

}  // namespace
}  // namespace gembed
