// Synthetic embeddings for the task tests: random unit vectors and well-separated blobs.
#pragma once

#include <cmath>
#include <vector>

#include "tasks/embedding_matrix.h"
#include "tasks/kmeans.h"

namespace gembed::tasks::testing {

// An approximately normal deviate (sum of uniforms) from the seeded generator.
inline double Normal(SeededRandom& rng) {
  double s = 0;
  for (int i = 0; i < 12; ++i) s += rng.Uniform();
  return s - 6.0;
}

inline EmbeddingMatrix RandomUnitRows(size_t rows, size_t dim, uint64_t seed) {
  SeededRandom rng(seed);
  EmbeddingMatrix m;
  for (size_t r = 0; r < rows; ++r) {
    std::vector<float> v(dim);
    for (float& x : v) x = static_cast<float>(Normal(rng));
    m.Append(v);
  }
  NormalizeRows(&m);
  return m;
}

// `clusters` blobs of `per` unit rows each around random centres (noise `spread`); row i
// belongs to blob i / per.
inline EmbeddingMatrix Blobs(int clusters, size_t per, size_t dim, double spread, uint64_t seed) {
  const EmbeddingMatrix centres = RandomUnitRows(clusters, dim, seed);
  SeededRandom rng(seed + 1);
  EmbeddingMatrix m;
  for (int c = 0; c < clusters; ++c) {
    for (size_t i = 0; i < per; ++i) {
      std::vector<float> v(dim);
      for (size_t d = 0; d < dim; ++d) v[d] = centres.row(c)[d] + static_cast<float>(spread * Normal(rng));
      m.Append(v);
    }
  }
  NormalizeRows(&m);
  return m;
}

}  // namespace gembed::tasks::testing
