#include "tokenizer/token_trie.h"

#include <algorithm>

namespace gembed::tok {

TokenTrie::TokenTrie() { std::fill(std::begin(root_child_), std::end(root_child_), -1); }

void TokenTrie::Add(std::string_view pattern, int32_t value) {
  if (pattern.empty()) return;
  int32_t node = 0;
  for (char c : pattern) {
    const auto byte = static_cast<uint8_t>(c);
    int32_t child = -1;
    for (const Edge& e : build_edges_[node]) {
      if (e.byte == byte) child = e.child;
    }
    if (child < 0) {
      child = static_cast<int32_t>(values_.size());
      build_edges_[node].push_back({byte, child});
      build_edges_.emplace_back();
      values_.push_back(-1);
    }
    node = child;
  }
  values_[node] = value;
  any_ = true;
}

void TokenTrie::Finish() {
  edge_begin_.assign(values_.size() + 1, 0);
  edges_.clear();
  for (size_t node = 0; node < build_edges_.size(); ++node) {
    edge_begin_[node] = static_cast<uint32_t>(edges_.size());
    std::vector<Edge>& list = build_edges_[node];
    std::sort(list.begin(), list.end(), [](const Edge& a, const Edge& b) { return a.byte < b.byte; });
    edges_.insert(edges_.end(), list.begin(), list.end());
  }
  edge_begin_[values_.size()] = static_cast<uint32_t>(edges_.size());
  std::fill(std::begin(root_child_), std::end(root_child_), -1);
  for (const Edge& e : build_edges_[0]) root_child_[e.byte] = e.child;
  build_edges_.clear();
  build_edges_.shrink_to_fit();
}

int32_t TokenTrie::Child(int32_t node, uint8_t byte) const {
  const Edge* first = edges_.data() + edge_begin_[node];
  const Edge* last = edges_.data() + edge_begin_[node + 1];
  const Edge* it = std::lower_bound(first, last, byte,
                                    [](const Edge& e, uint8_t b) { return e.byte < b; });
  return it != last && it->byte == byte ? it->child : -1;
}

bool TokenTrie::FindNext(std::string_view text, size_t from, TrieMatch* match) const {
  if (!any_) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  for (size_t start = from; start < n; ++start) {
    int32_t node = root_child_[p[start]];
    if (node < 0) continue;  // the common case: no pattern starts with this byte
    size_t best_end = 0;
    int32_t best = -1;
    for (size_t k = start + 1;; ++k) {
      if (values_[node] >= 0) best = values_[node], best_end = k;
      if (k == n) break;
      node = Child(node, p[k]);
      if (node < 0) break;
    }
    if (best >= 0) {
      *match = TrieMatch{start, best_end, best};
      return true;
    }
  }
  return false;
}

}  // namespace gembed::tok
