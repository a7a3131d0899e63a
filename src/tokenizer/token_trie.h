// Leftmost-longest search for many literal patterns (the added tokens), with the match
// semantics of the Aho-Corasick `MatchKind::LeftmostLongest` HF uses: the match that
// starts first wins, and among those the longest. Patterns are short (Gemma's longest is
// 93 bytes) and few start with a given byte, so walking a byte trie from each candidate
// start is as fast as an automaton here, and far simpler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace gembed::tok {

struct TrieMatch {
  size_t begin = 0;
  size_t end = 0;
  int32_t value = -1;
};

class TokenTrie {
 public:
  TokenTrie();
  // Adds a non-empty pattern; `value` is returned with its matches. Later Add of the same
  // pattern replaces the value.
  void Add(std::string_view pattern, int32_t value);
  // Builds the compact search form; call once after the last Add.
  void Finish();
  bool empty() const { return !any_; }

  // The leftmost-longest match starting at or after `from`; false when there is none.
  bool FindNext(std::string_view text, size_t from, TrieMatch* match) const;

 private:
  struct Edge {
    uint8_t byte;
    int32_t child;
  };
  int32_t Child(int32_t node, uint8_t byte) const;

  // Build form: per node, unsorted edges. Search form: edges sorted by byte, in one array.
  std::vector<std::vector<Edge>> build_edges_ = std::vector<std::vector<Edge>>(1);
  std::vector<int32_t> values_ = std::vector<int32_t>(1, -1);  // by node; -1 = no pattern ends
  std::vector<uint32_t> edge_begin_;                           // by node, into edges_ (+1 sentinel)
  std::vector<Edge> edges_;
  int32_t root_child_[256];  // the root's children, direct
  bool any_ = false;
};

}  // namespace gembed::tok
