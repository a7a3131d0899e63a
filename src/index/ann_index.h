// Approximate nearest neighbours over unit-length vectors (inner product = cosine), HNSW.
//
// A thin owner of an hnswlib (Debian libhnswlib-dev 0.6.2) graph that adds what gembed's
// collections need and hnswlib leaves out: automatic growth, replace-on-re-add, filtered
// search that still returns k hits, and a self-checking byte format (hnswlib trusts its
// input completely; we validate a header + checksum before handing it any bytes).
//
// Thread-safety: any number of threads may call the const members (Search, size, dim,
// Serialize) at once. Add/AddBatch/Remove must not run concurrently with anything else on the same
// index (the caller — a collection — holds a reader/writer lock). See docs/ann.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::index {

struct AnnParams {
  int M = 16;                 // graph out-degree (layer 0 uses 2·M)
  int ef_construction = 200;  // candidate list while inserting: build quality vs build time
  int ef_search = 64;         // default candidate list while searching: recall vs latency
  uint64_t seed = 100;        // level generator seed: same inserts → same graph
};

struct AnnHit {
  int64_t id;
  float score;  // dot product (= cosine for unit vectors); higher is closer
};

class AnnIndex {
 public:
  AnnIndex(int dim, const AnnParams& params = {});
  ~AnnIndex();
  AnnIndex(const AnnIndex&) = delete;
  AnnIndex& operator=(const AnnIndex&) = delete;

  // dim floats; grows capacity itself; re-adding an id replaces its vector.
  void Add(int64_t id, const float* vec);
  // Add for n vectors (row-major n×dim), inserting new ids on `threads` threads (0 = all
  // hardware threads; 1 = exactly the graph n calls of Add would build). Ids that already
  // exist or repeat within the batch are then applied in order, so the last vector wins.
  // All vectors are checked before any is inserted. With threads > 1 the graph depends on
  // thread timing (recall does not, measurably).
  void AddBatch(const int64_t* ids, const float* vecs, size_t n, int threads = 0);
  // No-op when absent.
  void Remove(int64_t id);

  // Best first; ef 0 = params.ef_search (always raised to at least k).
  std::vector<AnnHit> Search(const float* query, int k, int ef = 0) const;
  // Keeps only ids for which keep(id) is true (metadata filters) and still returns k hits
  // when k such live vectors exist (widening the search, then an exact scan for very
  // selective filters).
  std::vector<AnnHit> Search(const float* query, int k, const std::function<bool(int64_t)>& keep,
                             int ef = 0) const;

  size_t size() const;  // live (not removed) vectors
  int dim() const;
  const AnnParams& params() const;

  // Bytes, to store in a SQLite BLOB.
  std::string Serialize() const;
  // Throws gembed::Error on corrupt/truncated bytes or a dim mismatch — never crashes.
  static std::unique_ptr<AnnIndex> Deserialize(std::string_view bytes, int dim);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gembed::index
