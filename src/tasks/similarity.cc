#include "tasks/similarity.h"

#include <algorithm>
#include <mutex>

#include "base/thread_pool.h"

namespace gembed::tasks {

namespace {

// A tile of kRowBlock rows against kColBlock columns: the columns (kColBlock × dim floats,
// 384 KiB at dim 768) stay in L2 while every row of the tile passes over them.
constexpr size_t kRowBlock = 32;
constexpr size_t kColBlock = 128;

// Runs fn(r0, r1) over row tiles, on the pool when there is one.
void ForRowBlocks(size_t rows, ThreadPool* pool, const std::function<void(size_t, size_t)>& fn) {
  const size_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  auto run = [&](size_t b0, size_t b1) {
    for (size_t b = b0; b < b1; ++b) fn(b * kRowBlock, std::min(rows, (b + 1) * kRowBlock));
  };
  if (pool == nullptr || pool->num_threads() == 1 || blocks < 2) {
    run(0, blocks);
  } else {
    pool->ParallelFor(blocks, run);
  }
}

// scores[(i - r0) * (c1 - c0) + (j - c0)] = row i · row j.
void ScoreTile(const EmbeddingMatrix& m, size_t r0, size_t r1, size_t c0, size_t c1, float* scores) {
  const size_t w = c1 - c0;
  for (size_t i = r0; i < r1; ++i) {
    for (size_t j = c0; j < c1; ++j) scores[(i - r0) * w + (j - c0)] = Dot(m.row(i), m.row(j), m.dim);
  }
}

// Keeps the `cap` best items seen, as a heap whose top is the worst kept.
template <typename T>
struct BestOf {
  size_t cap;
  std::vector<T> heap;
  static bool Worse(const T& x, const T& y) { return Better(x, y); }  // heap order: worst on top
  void Offer(const T& t) {
    if (cap == 0) return;
    if (heap.size() < cap) {
      heap.push_back(t);
      std::push_heap(heap.begin(), heap.end(), Worse);
    } else if (Better(t, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), Worse);
      heap.back() = t;
      std::push_heap(heap.begin(), heap.end(), Worse);
    }
  }
  std::vector<T> Sorted() && {
    std::sort(heap.begin(), heap.end(), [](const T& x, const T& y) { return Better(x, y); });
    return std::move(heap);
  }
};

}  // namespace

std::vector<std::vector<Neighbour>> TopKNeighbours(const EmbeddingMatrix& m, size_t k, ThreadPool* pool) {
  std::vector<std::vector<Neighbour>> out(m.rows);
  if (m.rows < 2) return out;
  k = std::min(k, m.rows - 1);
  ForRowBlocks(m.rows, pool, [&](size_t r0, size_t r1) {
    std::vector<BestOf<Neighbour>> best(r1 - r0, BestOf<Neighbour>{k, {}});
    std::vector<float> scores(kRowBlock * kColBlock);
    for (size_t c0 = 0; c0 < m.rows; c0 += kColBlock) {
      const size_t c1 = std::min(m.rows, c0 + kColBlock);
      ScoreTile(m, r0, r1, c0, c1, scores.data());
      for (size_t i = r0; i < r1; ++i) {
        for (size_t j = c0; j < c1; ++j) {
          if (j != i) best[i - r0].Offer({j, scores[(i - r0) * (c1 - c0) + (j - c0)]});
        }
      }
    }
    for (size_t i = r0; i < r1; ++i) out[i] = std::move(best[i - r0]).Sorted();
  });
  return out;
}

std::vector<ScoredPair> MostSimilarPairs(const EmbeddingMatrix& m, size_t n, ThreadPool* pool) {
  std::mutex mu;
  BestOf<ScoredPair> all{n, {}};
  ForRowBlocks(m.rows, pool, [&](size_t r0, size_t r1) {
    BestOf<ScoredPair> best{n, {}};
    std::vector<float> scores(kRowBlock * kColBlock);
    for (size_t c0 = r0; c0 < m.rows; c0 += kColBlock) {  // only j > i: start at the diagonal
      const size_t c1 = std::min(m.rows, c0 + kColBlock);
      ScoreTile(m, r0, r1, c0, c1, scores.data());
      for (size_t i = r0; i < r1; ++i) {
        for (size_t j = std::max(c0, i + 1); j < c1; ++j) best.Offer({i, j, scores[(i - r0) * (c1 - c0) + (j - c0)]});
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    for (const ScoredPair& p : best.heap) all.Offer(p);
  });
  return std::move(all).Sorted();
}

void ForEachPairAtLeast(const EmbeddingMatrix& m, float threshold, ThreadPool* pool,
                        const std::function<void(std::span<const ScoredPair>)>& sink) {
  std::mutex mu;
  ForRowBlocks(m.rows, pool, [&](size_t r0, size_t r1) {
    std::vector<ScoredPair> found;
    std::vector<float> scores(kRowBlock * kColBlock);
    for (size_t c0 = r0; c0 < m.rows; c0 += kColBlock) {
      const size_t c1 = std::min(m.rows, c0 + kColBlock);
      ScoreTile(m, r0, r1, c0, c1, scores.data());
      for (size_t i = r0; i < r1; ++i) {
        for (size_t j = std::max(c0, i + 1); j < c1; ++j) {
          const float s = scores[(i - r0) * (c1 - c0) + (j - c0)];
          if (s >= threshold) found.push_back({i, j, s});
        }
      }
      if (found.size() > 4096 || c1 == m.rows) {  // hand over often: memory stays bounded
        std::lock_guard<std::mutex> lock(mu);
        sink(found);
        found.clear();
      }
    }
  });
}

}  // namespace gembed::tasks
