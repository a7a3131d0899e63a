// Near-duplicate groups: texts that are byte-for-byte equal are grouped first (by hash,
// without embedding them twice), then any two items whose embeddings have cosine >=
// threshold join one group, transitively (connected components, by union–find).
#pragma once

#include <string>
#include <vector>

#include "tasks/embedding_matrix.h"

namespace gembed {
class ThreadPool;
}

namespace gembed::tasks {

// Disjoint sets with path halving and union by size.
class UnionFind {
 public:
  explicit UnionFind(size_t n);
  size_t Find(size_t x);
  void Union(size_t a, size_t b);
  // Sets of two or more members: each ascending, sets ordered by their first member.
  std::vector<std::vector<size_t>> Groups();

 private:
  std::vector<size_t> parent_, size_;
};

// Index of the first item with the same text for every item (itself when it is the first).
std::vector<size_t> ExactDuplicateOf(const std::vector<std::string>& texts);

struct DuplicateGroup {
  std::vector<size_t> members;  // ascending; members[0] is the group's representative
  std::vector<float> scores;    // cosine of each member with the representative (1 for itself)
};

// `embeddings` has one row per *distinct* text: row r belongs to items[unique[r]], where
// unique lists the first item of each distinct text (as ExactDuplicateOf finds them).
// Groups are ordered by size (largest first), ties by representative.
std::vector<DuplicateGroup> FindDuplicateGroups(const std::vector<std::string>& texts, const std::vector<size_t>& unique,
                                                const EmbeddingMatrix& embeddings, float threshold, ThreadPool* pool = nullptr);

}  // namespace gembed::tasks
