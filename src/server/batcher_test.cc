// The batcher merges requests without changing their results, bounds its queue, and drains
// on Stop().
#include "server/batcher.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "embedder/embedder.h"
#include "fixtures.h"
#include "server/metrics.h"

namespace gembed::server {
namespace {

const Embedder& TinyText() {
  static const std::unique_ptr<Embedder> e = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 2});
  return *e;
}

std::vector<int32_t> Ids(const std::string& text) { return TinyText().Prepare({.text = text}, {}).ids; }

// A request long enough to keep the worker busy while the test queues more behind it.
std::vector<std::vector<int32_t>> LongJob() {
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "word ";
  return std::vector<std::vector<int32_t>>(8, Ids(text));
}

bool SameBytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Batcher, MergedRequestsGetTheirSingleRequestResults) {
  const std::vector<std::string> texts = {"a", "hello world", "the quick brown fox jumps over the lazy dog",
                                          "über straße 東京", "x y z", "one more text, a bit longer than the others are"};
  std::vector<std::vector<float>> alone;
  for (const auto& t : texts) alone.push_back(TinyText().Embed({{.text = t}})[0].embedding);

  Metrics metrics;
  Batcher batcher(TinyText(), {.max_batch_tokens = 1 << 20, .max_queue = 64}, &metrics);
  auto busy = batcher.Submit(LongJob());
  std::vector<std::future<Embeddings>> pending;
  for (size_t i = 0; i < texts.size(); ++i) {
    // Requests of one and of two inputs, queued behind the long one, so they merge.
    std::vector<std::vector<int32_t>> seqs = {Ids(texts[i])};
    if (i % 2) seqs.push_back(Ids(texts[(i + 1) % texts.size()]));
    pending.push_back(batcher.Submit(std::move(seqs)));
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    Embeddings got = pending[i].get();
    ASSERT_EQ(got.size(), i % 2 ? 2u : 1u);
    EXPECT_TRUE(SameBytes(got[0], alone[i])) << texts[i];
    if (i % 2) {
      EXPECT_TRUE(SameBytes(got[1], alone[(i + 1) % texts.size()])) << texts[(i + 1) % texts.size()];
    }
  }
  EXPECT_EQ(busy.get().size(), 8u);
  // The long job ran alone or with a few; the short ones queued behind it merged.
  EXPECT_LT(metrics.batches(), texts.size() + 1);
}

// Requests with and without normalisation queued together each get what Embed gives them.
TEST(Batcher, MixedNormalizeRequestsGetTheirOwnResults) {
  const std::vector<std::string> texts = {"a", "hello world", "x y z", "the quick brown fox"};
  EmbedOptions raw;
  raw.normalize = false;
  Metrics metrics;
  Batcher batcher(TinyText(), {.max_batch_tokens = 1 << 20, .max_queue = 64}, &metrics);
  auto busy = batcher.Submit(LongJob());
  std::vector<std::future<Embeddings>> pending;
  for (size_t i = 0; i < texts.size(); ++i) pending.push_back(batcher.Submit({Ids(texts[i])}, /*normalize=*/i % 2 == 0));
  for (size_t i = 0; i < texts.size(); ++i) {
    const Embeddings got = pending[i].get();
    ASSERT_EQ(got.size(), 1u);
    const auto want = i % 2 == 0 ? TinyText().Embed({{.text = texts[i]}}) : TinyText().Embed({{.text = texts[i]}}, raw);
    EXPECT_TRUE(SameBytes(got[0], want[0].embedding)) << texts[i] << " normalize " << (i % 2 == 0);
  }
  EXPECT_EQ(busy.get().size(), 8u);
}

TEST(Batcher, TokenBudgetSplitsBatches) {
  Metrics metrics;
  Batcher batcher(TinyText(), {.max_batch_tokens = 8, .max_queue = 64}, &metrics);
  auto busy = batcher.Submit(LongJob());
  std::vector<std::future<Embeddings>> pending;
  // Five 5-token requests: no two fit 8 tokens together.
  for (int i = 0; i < 5; ++i) pending.push_back(batcher.Submit({Ids("a b c")}));
  for (auto& p : pending) EXPECT_EQ(p.get().size(), 1u);
  busy.get();
  EXPECT_EQ(metrics.batches(), 6u);
}

TEST(Batcher, FullQueueRefusesAndTheRestComplete) {
  Metrics metrics;
  Batcher batcher(TinyText(), {.max_batch_tokens = 8192, .max_queue = 1}, &metrics);
  std::vector<std::future<Embeddings>> accepted;
  int refused = 0;
  accepted.push_back(batcher.Submit(LongJob()));
  for (int i = 0; i < 3; ++i) {
    try {
      accepted.push_back(batcher.Submit({Ids("hello")}));
    } catch (const QueueFullError& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find("queue is full"), std::string::npos);
    }
  }
  EXPECT_GE(refused, 1);
  for (auto& f : accepted) EXPECT_FALSE(f.get().empty());
  EXPECT_NE(metrics.Render().find("gembed_queue_rejected_total " + std::to_string(refused) + "\n"), std::string::npos);
}

TEST(Batcher, StopFinishesQueuedRequestsThenRefuses) {
  Batcher batcher(TinyText(), {}, nullptr);
  std::vector<std::future<Embeddings>> pending;
  pending.push_back(batcher.Submit(LongJob()));
  for (int i = 0; i < 4; ++i) pending.push_back(batcher.Submit({Ids("queued " + std::to_string(i))}));
  batcher.Stop();
  for (auto& p : pending) {
    ASSERT_EQ(p.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_FALSE(p.get().empty());
  }
  EXPECT_THROW(batcher.Submit({Ids("late")}), Error);
}

TEST(Batcher, EngineFailureReachesTheFuture) {
  Batcher batcher(TinyText(), {}, nullptr);
  // An id outside the vocabulary (the service validates ids first; the batcher must still
  // report, not crash, if one slips through).
  auto f = batcher.Submit({{2, 1 << 30, 1}});
  EXPECT_THROW(f.get(), Error);
  EXPECT_EQ(batcher.Submit({Ids("still works")}).get().size(), 1u);
}

}  // namespace
}  // namespace gembed::server
