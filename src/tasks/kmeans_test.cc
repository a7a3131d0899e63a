// Spherical k-means finds well-separated blobs, is deterministic per seed and thread
// count, the silhouette equals its O(n²) definition and picks the true k.
#include "tasks/kmeans.h"

#include <gtest/gtest.h>

#include <set>

#include "base/error.h"
#include "base/thread_pool.h"
#include "tasks/test_vectors.h"

namespace gembed::tasks {
namespace {

using testing::Blobs;
using testing::RandomUnitRows;

// Every blob lands in one cluster and no two blobs share one.
void ExpectRecovered(const std::vector<int>& assignment, int blobs, size_t per) {
  std::set<int> used;
  for (int b = 0; b < blobs; ++b) {
    const int c = assignment[b * per];
    for (size_t i = 0; i < per; ++i) EXPECT_EQ(assignment[b * per + i], c) << "blob " << b << " item " << i;
    EXPECT_TRUE(used.insert(c).second) << "blob " << b << " shares cluster " << c;
  }
}

TEST(KMeans, FindsWellSeparatedBlobs) {
  const EmbeddingMatrix m = Blobs(5, 40, 32, 0.05, 11);
  const KMeansResult r = SphericalKMeans(m, {.k = 5, .n_init = 3, .seed = 1});
  ExpectRecovered(r.assignment, 5, 40);
  EXPECT_EQ(r.sizes, (std::vector<size_t>{40, 40, 40, 40, 40}));
  EXPECT_EQ(r.centroids.rows, 5u);
  for (int c = 0; c < 5; ++c) EXPECT_NEAR(Dot(r.centroids.row(c), r.centroids.row(c), m.dim), 1.0, 1e-5);
  EXPECT_LT(r.cost, 0.1 * m.rows);
}

TEST(KMeans, DeterministicPerSeedAndThreadCount) {
  const EmbeddingMatrix m = RandomUnitRows(600, 16, 3);  // no structure: the seed matters
  ThreadPool pool(3);
  const KMeansResult a = SphericalKMeans(m, {.k = 6, .seed = 5});
  const KMeansResult b = SphericalKMeans(m, {.k = 6, .seed = 5}, &pool);
  EXPECT_EQ(a.assignment, b.assignment);
  EXPECT_EQ(a.cost, b.cost);
  const KMeansResult c = SphericalKMeans(m, {.k = 6, .n_init = 1, .seed = 6});
  const KMeansResult d = SphericalKMeans(m, {.k = 6, .n_init = 1, .seed = 7});
  EXPECT_NE(c.assignment, d.assignment);
  // Clusters are numbered by size.
  for (size_t i = 1; i < a.sizes.size(); ++i) EXPECT_GE(a.sizes[i - 1], a.sizes[i]);
}

TEST(KMeans, BadK) {
  const EmbeddingMatrix m = RandomUnitRows(3, 4, 1);
  EXPECT_THROW(SphericalKMeans(m, {.k = 4}), Error);
  EXPECT_THROW(SphericalKMeans(m, {.k = 0}), Error);
  const KMeansResult r = SphericalKMeans(m, {.k = 3});
  EXPECT_EQ(r.sizes, (std::vector<size_t>{1, 1, 1}));
  EXPECT_THROW(ChooseK(RandomUnitRows(2, 4, 1), 2, 5, {}), Error);
}

double BruteSilhouette(const EmbeddingMatrix& m, const std::vector<int>& a, int k) {
  double total = 0;
  for (size_t i = 0; i < m.rows; ++i) {
    std::vector<double> sum(k, 0);
    std::vector<int> n(k, 0);
    for (size_t j = 0; j < m.rows; ++j) {
      if (j == i) continue;
      sum[a[j]] += 1.0 - Dot(m.row(i), m.row(j), m.dim);
      ++n[a[j]];
    }
    if (n[a[i]] == 0) continue;
    const double own = sum[a[i]] / n[a[i]];
    double other = 1e9;
    for (int c = 0; c < k; ++c) {
      if (c != a[i] && n[c] > 0) other = std::min(other, sum[c] / n[c]);
    }
    total += (other - own) / std::max(own, other);
  }
  return total / m.rows;
}

TEST(KMeans, SilhouetteEqualsDefinition) {
  const EmbeddingMatrix m = RandomUnitRows(120, 8, 9);
  const KMeansResult r = SphericalKMeans(m, {.k = 4, .seed = 2});
  EXPECT_NEAR(Silhouette(m, r.assignment, 4), BruteSilhouette(m, r.assignment, 4), 1e-5);
  // A singleton cluster counts 0.
  std::vector<int> a(m.rows, 0);
  a[5] = 1;
  EXPECT_NEAR(Silhouette(m, a, 2), BruteSilhouette(m, a, 2), 1e-5);
}

TEST(KMeans, SilhouettePicksTheTrueK) {
  for (int blobs : {3, 6}) {
    const EmbeddingMatrix m = Blobs(blobs, 25, 24, 0.08, 100 + blobs);
    const KChoice choice = ChooseK(m, 2, 9, {.seed = 3});
    EXPECT_EQ(choice.best.k, blobs);
    EXPECT_EQ(choice.silhouettes.size(), 8u);
    ExpectRecovered(choice.best.assignment, blobs, 25);
  }
  // k_max is capped at rows − 1; progress is reported per k.
  std::vector<int> reported;
  const KChoice small = ChooseK(Blobs(2, 2, 8, 0.01, 4), 2, 10, {}, nullptr, [&](int k, int tried, int total) {
    reported.push_back(k);
    EXPECT_EQ(total, 2);
    EXPECT_EQ(tried, k - 1);
  });
  EXPECT_EQ(reported, (std::vector<int>{2, 3}));
  EXPECT_EQ(small.silhouettes.back().first, 3);
}

TEST(KMeans, CentralMembersNearestTheCentroidFirst) {
  const EmbeddingMatrix m = Blobs(3, 20, 16, 0.2, 21);
  const KMeansResult r = SphericalKMeans(m, {.k = 3});
  size_t total = 0;
  for (int c = 0; c < 3; ++c) {
    const auto members = CentralMembers(m, r, c);
    EXPECT_EQ(members.size(), r.sizes[c]);
    total += members.size();
    for (size_t i = 1; i < members.size(); ++i) EXPECT_GE(members[i - 1].second, members[i].second);
    for (const auto& [row, score] : members) {
      EXPECT_EQ(r.assignment[row], c);
      EXPECT_FLOAT_EQ(score, Dot(m.row(row), r.centroids.row(c), m.dim));
    }
  }
  EXPECT_EQ(total, m.rows);
}

}  // namespace
}  // namespace gembed::tasks
