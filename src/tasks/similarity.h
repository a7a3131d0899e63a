// Cosine similarity search over a set of unit-length embeddings: every item's top-k
// neighbours (recommendation), the most similar pairs overall, and all pairs above a
// threshold (near-duplicates). Scores are dot products of rows (cosine for unit rows),
// computed block by block — a tile of rows against a tile of columns stays in cache — and
// spread over a thread pool when one is given.
//
// Order is total and deterministic: higher score first, ties by lower index, so results do
// not depend on the number of threads.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "tasks/embedding_matrix.h"

namespace gembed {
class ThreadPool;
}

namespace gembed::tasks {

struct Neighbour {
  size_t index = 0;
  float score = 0;
};

struct ScoredPair {
  size_t a = 0, b = 0;  // a < b
  float score = 0;
};

// For every row, its k most similar other rows (never itself), best first. k is capped at
// rows − 1.
std::vector<std::vector<Neighbour>> TopKNeighbours(const EmbeddingMatrix& m, size_t k, ThreadPool* pool = nullptr);

// The n pairs (a < b) with the highest scores, best first.
std::vector<ScoredPair> MostSimilarPairs(const EmbeddingMatrix& m, size_t n, ThreadPool* pool = nullptr);

// Calls sink with every pair (a < b) whose score is >= threshold, a block's worth at a time
// (never two calls at once, in no particular order), so memory stays bounded however many
// pairs there are.
void ForEachPairAtLeast(const EmbeddingMatrix& m, float threshold, ThreadPool* pool,
                        const std::function<void(std::span<const ScoredPair>)>& sink);

// True when x ranks before y: higher score, then lower indices.
inline bool Better(const Neighbour& x, const Neighbour& y) {
  return x.score != y.score ? x.score > y.score : x.index < y.index;
}
inline bool Better(const ScoredPair& x, const ScoredPair& y) {
  if (x.score != y.score) return x.score > y.score;
  return x.a != y.a ? x.a < y.a : x.b < y.b;
}

}  // namespace gembed::tasks
