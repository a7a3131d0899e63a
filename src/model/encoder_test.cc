// The encoders (the plain reference, and the fast one on every ISA this CPU has) and the
// sentence head against the fixtures' float64 reference outputs.
#include "model/encoder.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "fixtures.h"
#include "kernels/ops.h"
#include "kernels/simd_kernels.h"
#include "model/reference_encoder.h"
#include "model/sentence_head.h"

namespace gembed {
namespace {

using namespace gembed::testing;

// Either encoder behind one interface: "reference", or the fast one pinned to an ISA.
struct AnyEncoder {
  std::unique_ptr<ReferenceEncoder> reference;
  std::unique_ptr<Encoder> fast;
  const ModelConfig& config() const { return reference ? reference->config() : fast->config(); }
  void Forward(std::span<const int32_t> ids, std::span<const int> lengths, float* hidden, ThreadPool* pool,
               const LayerObserver* observer = nullptr) const {
    if (reference) return reference->Forward(ids, lengths, hidden, pool, observer);
    fast->Forward(ids, lengths, hidden, pool, observer);
  }
};

// Every fixture case's ids as one ragged batch: concatenated ids and one length per case.
std::pair<std::vector<int32_t>, std::vector<int>> CaseBatch(const nlohmann::json& exp) {
  std::vector<int32_t> ids;
  std::vector<int> lengths;
  for (const auto& c : exp["cases"]) {
    const auto v = c["input_ids"].get<std::vector<int32_t>>();
    ids.insert(ids.end(), v.begin(), v.end());
    lengths.push_back(static_cast<int>(v.size()));
  }
  return {ids, lengths};
}

struct Loaded {
  std::unique_ptr<AnyEncoder> encoder;
  std::vector<DenseLayer> dense;
};

std::vector<std::string> Variants() {
  std::vector<std::string> v = {"reference"};
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(isa)) v.push_back(IsaName(isa));
  }
  return v;
}

Loaded Load(const std::string& model, const std::string& variant = "reference") {
  const std::string dir = ModelDir(model);
  Loaded l;
  const ModelConfig cfg = ParseModelConfig(ReadTextFile(dir + "/config.json"), dir + "/config.json");
  std::shared_ptr<const TensorStore> store(TensorStore::Open(dir));
  l.encoder = std::make_unique<AnyEncoder>();
  if (variant == "reference") {
    l.encoder->reference = std::make_unique<ReferenceEncoder>(cfg, store);
  } else {
    l.encoder->fast = std::make_unique<Encoder>(cfg, store);
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      if (variant == IsaName(isa)) l.encoder->fast->set_kernels(&SimdKernelsFor(isa));
    }
  }
  l.dense.push_back(DenseLayer::Load(dir + "/2_Dense"));
  l.dense.push_back(DenseLayer::Load(dir + "/3_Dense"));
  return l;
}

// pooled[dim] → Dense → Dense → L2 normalise
std::vector<float> Head(const Loaded& l, std::vector<float> x) {
  for (const DenseLayer& d : l.dense) {
    std::vector<float> y(d.out_features);
    d.Apply(x.data(), 1, y.data(), nullptr);
    x = std::move(y);
  }
  L2Normalize(x.data(), x.size());
  return x;
}

class EncoderFixture : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  const std::string& model() const { return std::get<0>(GetParam()); }
  const std::string& variant() const { return std::get<1>(GetParam()); }
};

TEST_P(EncoderFixture, EveryCaseMatchesReference) {
  const Loaded l = Load(model(), variant());
  const nlohmann::json exp = LoadExpected(model());
  const size_t h = l.encoder->config().hidden_size;
  ThreadPool pool(2);
  ASSERT_GE(exp["cases"].size(), 5u);
  for (const auto& c : exp["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto ids = c["input_ids"].get<std::vector<int32_t>>();
    const int len = static_cast<int>(ids.size());
    ASSERT_EQ(len, c["length"].get<int>());
    std::vector<float> hidden(ids.size() * h);
    std::vector<std::vector<float>> stream;  // residual stream of token 0 per layer
    LayerObserver obs = [&](int, const float* x) { stream.emplace_back(x, x + h); };
    l.encoder->Forward(ids, std::span<const int>(&len, 1), hidden.data(), &pool, &obs);

    EXPECT_LE(MaxAbsDiff(stream[0], Floats(c["debug"]["embed_token0"])), kHiddenTol);
    const auto& layers = c["debug"]["layer_out_token0"];
    ASSERT_EQ(layers.size() + 1, stream.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      EXPECT_LE(MaxAbsDiff(stream[i + 1], Floats(layers[i])), kHiddenTol) << "layer " << i;
    }
    const std::vector<float> first(hidden.begin(), hidden.begin() + h), last(hidden.end() - h, hidden.end());
    EXPECT_LE(MaxAbsDiff(first, Floats(c["last_hidden_token0"])), kHiddenTol);
    EXPECT_LE(MaxAbsDiff(last, Floats(c["last_hidden_lasttoken"])), kHiddenTol);

    std::vector<float> pooled(h);
    MeanPool(hidden.data(), std::span<const int>(&len, 1), h, pooled.data());
    EXPECT_LE(MaxAbsDiff(pooled, Floats(c["pooled"])), kHiddenTol);
    const std::vector<float> emb = Head(l, pooled);
    EXPECT_LE(MaxAbsDiff(emb, Floats(c["embedding"])), kEmbeddingTol);
    EXPECT_GE(Cosine(emb, Floats(c["embedding"])), kEmbeddingCos);
  }
}

TEST_P(EncoderFixture, RaggedBatchEqualsSingleRunsAndPaddedReference) {
  const Loaded l = Load(model(), variant());
  const nlohmann::json b = LoadExpected(model())["batched"];
  const size_t h = l.encoder->config().hidden_size;
  ThreadPool pool(2);
  std::vector<int32_t> ids;
  std::vector<int> lengths;
  const auto rows = b["input_ids"].get<std::vector<std::vector<int32_t>>>();
  const auto masks = b["attention_mask"].get<std::vector<std::vector<int>>>();
  for (size_t r = 0; r < rows.size(); ++r) {
    int n = 0;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      if (masks[r][i]) ids.push_back(rows[r][i]), ++n;
    }
    lengths.push_back(n);
  }
  std::vector<float> hidden(ids.size() * h), pooled(lengths.size() * h);
  l.encoder->Forward(ids, lengths, hidden.data(), &pool);
  MeanPool(hidden.data(), lengths, h, pooled.data());
  size_t off = 0;
  for (size_t r = 0; r < lengths.size(); ++r) {
    SCOPED_TRACE("row " + std::to_string(r));
    const std::vector<float> p(pooled.begin() + r * h, pooled.begin() + (r + 1) * h);
    const std::vector<float> emb = Head(l, p);
    EXPECT_LE(MaxAbsDiff(emb, Floats(b["embeddings"][r])), kEmbeddingTol);
    // The same sequence alone gives bit-identical hidden states: rows never interact.
    std::vector<float> single(lengths[r] * h);
    l.encoder->Forward(std::span<const int32_t>(ids.data() + off, lengths[r]), std::span<const int>(&lengths[r], 1),
                       single.data(), &pool);
    EXPECT_TRUE(std::equal(single.begin(), single.end(), hidden.begin() + off * h));
    off += lengths[r];
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EncoderFixture,
                         ::testing::Combine(::testing::Values("tiny-a", "tiny-b", "tiny-text"),
                                            ::testing::ValuesIn(Variants())),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

// Threads split rows, panels and attention blocks differently, but every value is computed
// by the same sequence of operations: results are bit-identical for any thread count, and
// for every weight plan.
TEST(Encoder, ResultsDoNotDependOnTheThreadCount) {
  const std::string dir = ModelDir("tiny-b");
  const ModelConfig cfg = ParseModelConfig(ReadTextFile(dir + "/config.json"), dir + "/config.json");
  std::shared_ptr<const TensorStore> store(TensorStore::Open(dir));
  const nlohmann::json exp = LoadExpected("tiny-b");
  const auto [ids, lengths] = CaseBatch(exp);
  for (const auto& [plan, act] : std::vector<std::pair<std::string, std::string>>{
           {"auto", "auto"}, {"f32", "auto"}, {"q8_0", "auto"}, {"q4_0", "auto"}, {"mixed", "auto"},
           {"q8_0", "f32"}, {"bf16", "low"}, {"mixed", "low"}}) {
    const Encoder enc(cfg, store, WeightPlan::Parse(plan, act));
    std::vector<float> one(ids.size() * cfg.hidden_size), many(ids.size() * cfg.hidden_size);
    enc.Forward(ids, lengths, one.data(), nullptr);
    for (int threads : {2, 3, 7}) {
      ThreadPool pool(threads);
      enc.Forward(ids, lengths, many.data(), &pool);
      EXPECT_TRUE(one == many) << plan << "/" << act << " with " << threads << " threads";
    }
  }
}

// The weight types that can be exact are: f32 always, and bf16 for a bf16 checkpoint. They
// must give bit-identical hidden states to the default plan (which the fixture tests above
// hold to the reference).
TEST(Encoder, ExactWeightPlansGiveIdenticalResults) {
  for (const auto& [model, plans] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"tiny-a", {"f32"}}, {"tiny-b", {"f32", "bf16"}}, {"tiny-text", {"f32", "bf16"}}}) {
    const std::string dir = ModelDir(model);
    const ModelConfig cfg = ParseModelConfig(ReadTextFile(dir + "/config.json"), dir + "/config.json");
    std::shared_ptr<const TensorStore> store(TensorStore::Open(dir));
    const nlohmann::json exp = LoadExpected(model);
    const auto [ids, lengths] = CaseBatch(exp);
    ThreadPool pool(2);
    std::vector<float> want(ids.size() * cfg.hidden_size), got(want.size());
    Encoder(cfg, store).Forward(ids, lengths, want.data(), &pool);
    for (const std::string& plan : plans) {
      Encoder(cfg, store, WeightPlan::Parse(plan)).Forward(ids, lengths, got.data(), &pool);
      EXPECT_TRUE(got == want) << model << " " << plan;
    }
  }
}

// Lower-precision activations (int8 for quantised weights, bf16 under "low") change results
// a little, never a lot. The bound is per token hidden state of a 32-wide model, where one
// 32-value block holds the whole row (an outlier coarsens every other value's int8 step):
// bf16 stays within cosine 0.999 of the f32-activation run, int8 within 0.98 (measured
// 0.990 / 0.997; a broken kernel gives ~0). 16-bit activations ("high", the default for
// quantised weights) stay within cosine 0.99999 (bf16 weights: f32 activations, identical).
// Full-size figures: docs/benchmarks.md.
TEST(Encoder, LowPrecisionActivationsStayCloseToF32Activations) {
  const std::string dir = ModelDir("tiny-text");
  const ModelConfig cfg = ParseModelConfig(ReadTextFile(dir + "/config.json"), dir + "/config.json");
  std::shared_ptr<const TensorStore> store(TensorStore::Open(dir));
  const nlohmann::json exp = LoadExpected("tiny-text");
  const auto [ids, lengths] = CaseBatch(exp);
  ThreadPool pool(2);
  for (const char* plan : {"bf16", "q8_0", "q4_0"}) {
    std::vector<float> f32(ids.size() * cfg.hidden_size), low(f32.size()), high(f32.size());
    Encoder(cfg, store, WeightPlan::Parse(plan, "f32")).Forward(ids, lengths, f32.data(), &pool);
    Encoder(cfg, store, WeightPlan::Parse(plan, "low")).Forward(ids, lengths, low.data(), &pool);
    Encoder(cfg, store, WeightPlan::Parse(plan, "high")).Forward(ids, lengths, high.data(), &pool);
    double worst_low = 1, worst_high = 1;
    for (size_t t = 0; t < ids.size(); ++t) {
      const std::vector<float> a(f32.begin() + t * cfg.hidden_size, f32.begin() + (t + 1) * cfg.hidden_size);
      const std::vector<float> b(low.begin() + t * cfg.hidden_size, low.begin() + (t + 1) * cfg.hidden_size);
      const std::vector<float> c(high.begin() + t * cfg.hidden_size, high.begin() + (t + 1) * cfg.hidden_size);
      worst_low = std::min(worst_low, Cosine(a, b));
      worst_high = std::min(worst_high, Cosine(a, c));
    }
    EXPECT_GT(worst_low, std::string(plan) == "bf16" ? 0.999 : 0.98) << plan;
    EXPECT_GT(worst_high, 0.99999) << plan;
    if (std::string(plan) == "bf16") EXPECT_EQ(high, f32) << "bf16 weights multiply f32 activations under high";
  }
  try {
    WeightPlan::Parse("auto", "int4");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown activation precision 'int4' (expected auto, f32, high or low)");
  }
}

TEST(Encoder, UnknownWeightPlanIsAClearError) {
  try {
    WeightPlan::Parse("q5_k");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown weight type 'q5_k' (expected auto, f32, bf16, q8_0, q4_0 or mixed)");
  }
}

TEST(Encoder, RejectsOutOfVocabularyId) {
  const Loaded l = Load("tiny-a", "scalar");
  const std::vector<int32_t> ids = {2, 512, 1};
  const int len = 3;
  std::vector<float> hidden(3 * 64);
  try {
    l.encoder->Forward(ids, std::span<const int>(&len, 1), hidden.data(), nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "token id 512 is outside the vocabulary (0..511)");
  }
}

}  // namespace
}  // namespace gembed
