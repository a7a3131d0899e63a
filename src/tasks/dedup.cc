#include "tasks/dedup.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "base/error.h"
#include "tasks/similarity.h"

namespace gembed::tasks {

UnionFind::UnionFind(size_t n) : parent_(n), size_(n, 1) { std::iota(parent_.begin(), parent_.end(), size_t{0}); }

size_t UnionFind::Find(size_t x) {
  while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
  return x;
}

void UnionFind::Union(size_t a, size_t b) {
  a = Find(a), b = Find(b);
  if (a == b) return;
  if (size_[a] < size_[b]) std::swap(a, b);
  parent_[b] = a;
  size_[a] += size_[b];
}

std::vector<std::vector<size_t>> UnionFind::Groups() {
  std::unordered_map<size_t, size_t> group_of_root;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < parent_.size(); ++i) {
    const size_t r = Find(i);
    if (size_[r] < 2) continue;
    auto [it, fresh] = group_of_root.try_emplace(r, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;  // members are pushed in ascending order, groups in order of first member
}

std::vector<size_t> ExactDuplicateOf(const std::vector<std::string>& texts) {
  std::unordered_map<std::string_view, size_t> first;
  std::vector<size_t> of(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) of[i] = first.try_emplace(texts[i], i).first->second;
  return of;
}

std::vector<DuplicateGroup> FindDuplicateGroups(const std::vector<std::string>& texts, const std::vector<size_t>& unique,
                                                const EmbeddingMatrix& embeddings, float threshold, ThreadPool* pool) {
  if (embeddings.rows != unique.size()) throw Error("one embedding per distinct text is needed");
  UnionFind sets(texts.size());
  const std::vector<size_t> dup_of = ExactDuplicateOf(texts);
  for (size_t i = 0; i < texts.size(); ++i) sets.Union(dup_of[i], i);
  ForEachPairAtLeast(embeddings, threshold, pool, [&](std::span<const ScoredPair> pairs) {
    for (const ScoredPair& p : pairs) sets.Union(unique[p.a], unique[p.b]);
  });
  std::vector<size_t> row_of(texts.size(), SIZE_MAX);
  for (size_t r = 0; r < unique.size(); ++r) row_of[unique[r]] = r;
  std::vector<DuplicateGroup> out;
  for (auto& members : sets.Groups()) {
    DuplicateGroup g;
    g.members = std::move(members);
    const size_t rep_row = row_of[dup_of[g.members[0]]];
    for (size_t m : g.members) {
      const size_t row = row_of[dup_of[m]];
      g.scores.push_back(dup_of[m] == dup_of[g.members[0]] ? 1.0f : Dot(embeddings.row(rep_row), embeddings.row(row), embeddings.dim));
    }
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(), [](const DuplicateGroup& a, const DuplicateGroup& b) { return a.members.size() > b.members.size(); });
  return out;
}

}  // namespace gembed::tasks
