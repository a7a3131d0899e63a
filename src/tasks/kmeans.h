// Spherical k-means (cosine k-means) on unit-length embeddings, k-means++ seeding, the
// silhouette score with cosine distance, and choosing k by it.
//
// Why spherical: embeddings are compared by cosine, so a cluster's centre is the
// normalised mean of its members and a point joins the centre of highest dot product.
// Everything is seeded (SplitMix64-based, not std:: distributions, whose output differs
// between standard libraries), so one seed gives one answer on every machine and for every
// thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "tasks/embedding_matrix.h"

namespace gembed {
class ThreadPool;
}

namespace gembed::tasks {

struct KMeansOptions {
  int k = 8;
  int n_init = 4;       // restarts from fresh k-means++ seeds; the lowest cost wins
  int max_iter = 100;   // Lloyd iterations per restart (stops early when nothing moves)
  uint64_t seed = 42;
};

struct KMeansResult {
  int k = 0;
  std::vector<int> assignment;   // cluster of each row
  EmbeddingMatrix centroids;     // k unit rows
  std::vector<size_t> sizes;     // members per cluster
  double cost = 0;               // Σ (1 − cos(row, its centroid))
  int iterations = 0;            // of the winning restart
};

// Throws gembed::Error when k < 1 or k > rows. Clusters are renumbered by decreasing size
// (ties: lower first member), so cluster 0 is the largest.
KMeansResult SphericalKMeans(const EmbeddingMatrix& m, const KMeansOptions& options, ThreadPool* pool = nullptr);

// Mean silhouette over all rows with cosine distance (1 − dot of unit rows); a row alone in
// its cluster scores 0 (as scikit-learn). Exact, in O(rows·k·dim): the mean distance from a
// unit row x to a set C is 1 − x·(ΣC)/|C|, so only the clusters' sums are needed.
double Silhouette(const EmbeddingMatrix& m, const std::vector<int>& assignment, int k);

struct KChoice {
  KMeansResult best;
  std::vector<std::pair<int, double>> silhouettes;  // (k, score) for every k tried
};

// Runs k-means for every k in [k_min, k_max] (capped at rows − 1; k_min >= 2) and keeps the
// one of highest silhouette (ties: the smaller k). Throws gembed::Error with fewer than 3 rows.
// `done` (optional) is called after each k, for progress.
KChoice ChooseK(const EmbeddingMatrix& m, int k_min, int k_max, KMeansOptions options, ThreadPool* pool = nullptr,
                const std::function<void(int k, int tried, int total)>& done = nullptr);

// The members of `cluster`, most central (highest cosine to the centroid) first, with
// their scores.
std::vector<std::pair<size_t, float>> CentralMembers(const EmbeddingMatrix& m, const KMeansResult& r, int cluster);

// A seeded generator whose output is the same everywhere: SplitMix64.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  size_t Below(size_t n) { return static_cast<size_t>(Uniform() * static_cast<double>(n)); }

 private:
  uint64_t state_;
};

}  // namespace gembed::tasks
