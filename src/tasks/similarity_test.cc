// Top-k neighbours, most similar pairs and threshold pairs equal brute force, with and
// without threads, ties included.
#include "tasks/similarity.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/thread_pool.h"
#include "tasks/test_vectors.h"

namespace gembed::tasks {
namespace {

using testing::RandomUnitRows;

// 300 random rows plus exact copies of a few, so that equal scores (ties) occur.
EmbeddingMatrix WithTies() {
  EmbeddingMatrix m = RandomUnitRows(300, 24, 7);
  for (size_t src : {3u, 3u, 150u}) {
    std::vector<float> v(m.row(src), m.row(src) + m.dim);
    m.Append(v);
  }
  return m;
}

TEST(Similarity, TopKEqualsBruteForce) {
  const EmbeddingMatrix m = WithTies();
  ThreadPool pool(3);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    const auto got = TopKNeighbours(m, 5, p);
    ASSERT_EQ(got.size(), m.rows);
    for (size_t i = 0; i < m.rows; ++i) {
      std::vector<Neighbour> all;
      for (size_t j = 0; j < m.rows; ++j) {
        if (j != i) all.push_back({j, Dot(m.row(i), m.row(j), m.dim)});
      }
      std::sort(all.begin(), all.end(), [](const Neighbour& a, const Neighbour& b) { return Better(a, b); });
      ASSERT_EQ(got[i].size(), 5u);
      for (size_t r = 0; r < 5; ++r) {
        EXPECT_EQ(got[i][r].index, all[r].index) << "row " << i << " rank " << r;
        EXPECT_EQ(got[i][r].score, all[r].score);
      }
    }
  }
  // Row 3's copies (300, 301) are its best neighbours, at score 1, lower index first.
  const auto got = TopKNeighbours(m, 2, nullptr);
  EXPECT_EQ(got[3][0].index, 300u);
  EXPECT_EQ(got[3][1].index, 301u);
  EXPECT_NEAR(got[3][0].score, 1.0f, 1e-6);
}

TEST(Similarity, KIsCappedAndSmallInputsWork) {
  const EmbeddingMatrix m = RandomUnitRows(4, 8, 1);
  const auto got = TopKNeighbours(m, 10, nullptr);
  for (const auto& n : got) EXPECT_EQ(n.size(), 3u);
  EXPECT_TRUE(TopKNeighbours(RandomUnitRows(1, 8, 1), 3, nullptr)[0].empty());
  EXPECT_TRUE(MostSimilarPairs(RandomUnitRows(1, 8, 1), 3, nullptr).empty());
}

TEST(Similarity, PairsEqualBruteForce) {
  const EmbeddingMatrix m = WithTies();
  std::vector<ScoredPair> all;
  for (size_t i = 0; i < m.rows; ++i) {
    for (size_t j = i + 1; j < m.rows; ++j) all.push_back({i, j, Dot(m.row(i), m.row(j), m.dim)});
  }
  std::sort(all.begin(), all.end(), [](const ScoredPair& a, const ScoredPair& b) { return Better(a, b); });
  ThreadPool pool(3);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    const auto got = MostSimilarPairs(m, 50, p);
    ASSERT_EQ(got.size(), 50u);
    for (size_t r = 0; r < 50; ++r) {
      EXPECT_EQ(got[r].a, all[r].a) << r;
      EXPECT_EQ(got[r].b, all[r].b) << r;
      EXPECT_EQ(got[r].score, all[r].score) << r;
    }
    // More pairs asked for than exist: all of them.
    EXPECT_EQ(MostSimilarPairs(RandomUnitRows(5, 8, 2), 100, p).size(), 10u);
  }
  // The top pairs are the exact copies: (3, 300), (3, 301), (150, 302), (300, 301).
  EXPECT_EQ(all[0].a, 3u);
  EXPECT_EQ(all[0].b, 300u);
}

TEST(Similarity, PairsAtLeastThresholdEqualBruteForce) {
  const EmbeddingMatrix m = RandomUnitRows(400, 6, 3);  // low dimension: many close pairs
  const float threshold = 0.8f;
  std::vector<std::pair<size_t, size_t>> want;
  for (size_t i = 0; i < m.rows; ++i) {
    for (size_t j = i + 1; j < m.rows; ++j) {
      if (Dot(m.row(i), m.row(j), m.dim) >= threshold) want.push_back({i, j});
    }
  }
  ASSERT_GT(want.size(), 100u);
  ThreadPool pool(2);
  std::vector<std::pair<size_t, size_t>> got;
  ForEachPairAtLeast(m, threshold, &pool, [&](std::span<const ScoredPair> ps) {
    for (const auto& p : ps) {
      EXPECT_GE(p.score, threshold);
      got.push_back({p.a, p.b});
    }
  });
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
}

TEST(Similarity, DotMatchesDouble) {
  const EmbeddingMatrix m = RandomUnitRows(2, 37, 5);  // a length that is not a multiple of 8
  double want = 0;
  for (size_t d = 0; d < 37; ++d) want += double(m.row(0)[d]) * m.row(1)[d];
  EXPECT_NEAR(Dot(m.row(0), m.row(1), 37), want, 1e-6);
  EXPECT_NEAR(Dot(m.row(0), m.row(0), 37), 1.0, 1e-6);
}

}  // namespace
}  // namespace gembed::tasks
