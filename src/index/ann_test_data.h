// Synthetic unit vectors for the ANN tests and benchmark: a mixture of Gaussian clusters,
// normalised. Real sentence embeddings cluster by topic; uniform random vectors in high
// dimension are the worst case for any graph index (every point is nearly equidistant) and
// would understate recall at a given ef.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <random>
#include <vector>

namespace gembed::index::testdata {

inline void Normalise(float* v, int dim) {
  double s = 0;
  for (int j = 0; j < dim; ++j) s += double(v[j]) * v[j];
  const float inv = s > 0 ? float(1.0 / std::sqrt(s)) : 0.0f;
  for (int j = 0; j < dim; ++j) v[j] *= inv;
}

// n vectors (row-major n×dim): `clusters` random unit centres; each point is its centre plus
// Gaussian noise whose expected norm is `spread`, then normalised. With decay = 0 the noise
// is isotropic (spread/√dim per coordinate: uniform-like within a cluster, the hard case).
// With decay = 1 coordinate j's variance falls as 1/(j+1), so the noise has an effective
// dimension of ~20 whatever `dim` is — closer to real sentence embeddings, whose intrinsic
// dimension is far below their width.
inline std::vector<float> ClusteredUnitVectors(size_t n, int dim, int clusters, float spread, uint64_t seed,
                                               float decay = 0.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> centres(size_t(clusters) * dim);
  for (auto& c : centres) c = gauss(rng);
  for (int c = 0; c < clusters; ++c) Normalise(&centres[size_t(c) * dim], dim);
  std::vector<float> sigma(dim);
  double total = 0;
  for (int j = 0; j < dim; ++j) total += std::pow(double(j + 1), -double(decay));
  for (int j = 0; j < dim; ++j) sigma[j] = spread * float(std::sqrt(std::pow(double(j + 1), -double(decay)) / total));
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> out(n * dim);
  for (size_t i = 0; i < n; ++i) {
    const float* centre = &centres[size_t(pick(rng)) * dim];
    float* v = &out[i * dim];
    for (int j = 0; j < dim; ++j) v[j] = centre[j] + sigma[j] * gauss(rng);
    Normalise(v, dim);
  }
  return out;
}

inline float Dot(const float* a, const float* b, int dim) {
  float s = 0;
  for (int j = 0; j < dim; ++j) s += a[j] * b[j];
  return s;
}

// Exact top-k ids (row numbers) of `query` against the n×dim matrix, best first.
inline std::vector<int64_t> ExactTopK(const std::vector<float>& data, int dim, const float* query, int k) {
  const size_t n = data.size() / dim;
  using Entry = std::pair<float, int64_t>;  // (score, id); min-heap keeps the best k
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> best;
  for (size_t i = 0; i < n; ++i) {
    const float s = Dot(&data[i * dim], query, dim);
    if (best.size() < size_t(k)) {
      best.emplace(s, int64_t(i));
    } else if (s > best.top().first) {
      best.pop();
      best.emplace(s, int64_t(i));
    }
  }
  std::vector<int64_t> ids(best.size());
  for (size_t i = ids.size(); i-- > 0; best.pop()) ids[i] = best.top().second;
  return ids;
}

}  // namespace gembed::index::testdata
