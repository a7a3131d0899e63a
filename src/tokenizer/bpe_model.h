// The BPE model of HF `tokenizers` (models/bpe): characters → ids (byte fallback, unk
// fusing), then merges by rank, lowest first, leftmost on ties — the order HF's
// priority-queue `Word::merge_all` produces. There is no pre-tokenization in Gemma's file,
// so one call may get a whole paragraph: merging is O(n log n) with a heap over a linked
// list of symbols, never a rescan of the whole word per merge.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/merge_map.h"
#include "tokenizer/vocab.h"

namespace gembed::tok {

struct BpeOptions {
  bool byte_fallback = false;
  bool fuse_unk = false;
  bool ignore_merges = false;
  bool has_unk = false;   // whether the file names an unk_token
  std::string unk_token;  // meaningful when has_unk
};

// Per-call working memory, reused across the segments of one Encode call.
struct BpeScratch {
  std::vector<int32_t> id;    // symbol's token id; -1 once merged into its left neighbour
  std::vector<int32_t> prev;  // linked list over symbol positions; -1 = none
  std::vector<int32_t> next;
  // A candidate merge of the pair at `key & 0xFFFFFFFF` and its right neighbour.
  struct Candidate {
    uint64_t key;        // (rank << 32) | left position: rank first, then leftmost
    int32_t merged;      // id of the merged token
    int32_t after_pair;  // position right of the pair when queued, to detect staleness
    bool operator>(const Candidate& o) const { return key > o.key; }
  };
  std::vector<Candidate> heap;  // min-heap on key
};

class BpeModel {
 public:
  // Filled by the loader, then Prepare() builds the lookup tables.
  Vocab& vocab() { return vocab_; }
  const Vocab& vocab() const { return vocab_; }
  MergeMap& merges() { return merges_; }
  const MergeMap& merges() const { return merges_; }
  BpeOptions& options() { return options_; }
  const BpeOptions& options() const { return options_; }
  void Prepare();

  // Appends the ids of `word` (non-empty pieces only; valid UTF-8). Throws gembed::Error
  // when a character needs the unk token and the vocabulary lacks it.
  void Tokenize(std::string_view word, BpeScratch* scratch, std::vector<int32_t>* out) const;

 private:
  // Id of the single character at word[i..i+len), or -1.
  int32_t CharId(std::string_view word, size_t i, size_t len, uint32_t cp) const {
    if (cp < bmp_.size()) return bmp_[cp];
    return vocab_.Find(word.substr(i, len));
  }
  void InitialSymbols(std::string_view word, std::vector<int32_t>* ids) const;
  void Merge(BpeScratch* s, std::vector<int32_t>* out) const;

  Vocab vocab_;
  MergeMap merges_;
  BpeOptions options_;
  int32_t unk_id_ = -1;
  std::vector<int32_t> bmp_;  // code point < 0x10000 → id of that one-character token, or -1
  int32_t byte_id_[256];      // id of "<0xNN>", or -1
};

}  // namespace gembed::tok
