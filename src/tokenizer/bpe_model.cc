#include "tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "base/error.h"
#include "tokenizer/utf8_chars.h"

namespace gembed::tok {

void BpeModel::Prepare() {
  // Most characters of real text are in the BMP; a direct table replaces a string hash
  // per character in the first pass. Others fall back to the vocabulary lookup.
  bmp_.assign(0x10000, -1);
  for (int32_t id = 0; id < vocab_.id_limit(); ++id) {
    if (!vocab_.Has(id)) continue;
    const std::string_view piece = vocab_.Piece(id);
    if (piece.empty() || Utf8Length(static_cast<uint8_t>(piece[0])) != piece.size()) continue;
    uint32_t cp;
    Utf8Decode(piece, 0, &cp);
    if (cp < bmp_.size()) bmp_[cp] = id;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);  // HF's format!("<{b:#04X}>")
    byte_id_[b] = vocab_.Find(name);
  }
  unk_id_ = options_.has_unk ? vocab_.Find(options_.unk_token) : -1;
}

// HF BPE::merge_word, first half: one symbol per character.
void BpeModel::InitialSymbols(std::string_view word, std::vector<int32_t>* ids) const {
  ids->clear();
  int32_t pending_unk = -1;  // an unk not yet emitted, so that fuse_unk can extend it
  for (size_t i = 0; i < word.size();) {
    uint32_t cp;
    const size_t len = Utf8Decode(word, i, &cp);
    const int32_t id = CharId(word, i, len, cp);
    if (id >= 0) {
      if (pending_unk >= 0) ids->push_back(pending_unk), pending_unk = -1;
      ids->push_back(id);
      i += len;
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (size_t k = 0; k < len; ++k) all = all && byte_id_[static_cast<uint8_t>(word[i + k])] >= 0;
      if (all) {
        // HF emits the byte tokens without first flushing a pending unk; kept for parity.
        for (size_t k = 0; k < len; ++k) ids->push_back(byte_id_[static_cast<uint8_t>(word[i + k])]);
        i += len;
        continue;
      }
    }
    if (options_.has_unk) {
      if (unk_id_ < 0) {
        throw Error("tokenizer: unk_token '" + options_.unk_token +
                    "' is needed for a character at byte " + std::to_string(i) +
                    " of a text piece but is not in model.vocab");
      }
      if (pending_unk >= 0 && !options_.fuse_unk) ids->push_back(pending_unk);
      pending_unk = unk_id_;
    }
    // Without an unk token HF drops the character.
    i += len;
  }
  if (pending_unk >= 0) ids->push_back(pending_unk);
}

// HF Word::merge_all without dropout: pop the lowest (rank, position), merge, queue the
// two new pairs it forms. Entries go stale when a neighbour merges first. Positions only
// merge rightwards, so a pair (p, q = next[p]) is unchanged exactly while p is alive and
// next[q] is still the position that followed the pair when it was queued; that test
// replaces a second hash lookup per pop.
void BpeModel::Merge(BpeScratch* s, std::vector<int32_t>* out) const {
  std::vector<int32_t>& id = s->id;
  const auto n = static_cast<int32_t>(id.size());
  s->prev.resize(n);
  s->next.resize(n);
  for (int32_t i = 0; i < n; ++i) s->prev[i] = i - 1, s->next[i] = i + 1 < n ? i + 1 : -1;
  int32_t* prev = s->prev.data();
  int32_t* next = s->next.data();

  using Candidate = BpeScratch::Candidate;
  std::vector<Candidate>& heap = s->heap;
  heap.clear();
  const auto queue = [&](int32_t left, int32_t right, MergeRule rule) {
    heap.push_back({(static_cast<uint64_t>(rule.rank) << 32) | static_cast<uint32_t>(left),
                    rule.merged, next[right]});
  };
  MergeRule rule;
  // The first pass knows all its pairs up front: prefetching a few ahead overlaps their
  // (mostly cache-missing) table probes.
  constexpr int32_t kAhead = 8;
  for (int32_t i = 0; i + 1 < n; ++i) {
    if (i + kAhead + 1 < n) merges_.Prefetch(id[i + kAhead], id[i + kAhead + 1]);
    if (merges_.Find(id[i], id[i + 1], &rule)) queue(i, i + 1, rule);
  }
  const std::greater<Candidate> min_first;
  std::make_heap(heap.begin(), heap.end(), min_first);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), min_first);
    const Candidate top = heap.back();
    heap.pop_back();
    const auto p = static_cast<int32_t>(top.key & 0xFFFFFFFFu);
    const int32_t q = next[p];
    if (id[p] < 0 || q < 0 || next[q] != top.after_pair) continue;

    id[p] = top.merged;
    id[q] = -1;
    const int32_t r = next[q];
    next[p] = r;
    if (r >= 0) prev[r] = p;
    const int32_t l = prev[p];
    if (l >= 0 && merges_.Find(id[l], id[p], &rule)) {
      queue(l, p, rule);
      std::push_heap(heap.begin(), heap.end(), min_first);
    }
    if (r >= 0 && merges_.Find(id[p], id[r], &rule)) {
      queue(p, r, rule);
      std::push_heap(heap.begin(), heap.end(), min_first);
    }
  }
  // Position 0 never dies (only right-hand symbols are merged away).
  for (int32_t i = 0; i >= 0; i = next[i]) out->push_back(id[i]);
}

void BpeModel::Tokenize(std::string_view word, BpeScratch* scratch,
                        std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    const int32_t whole = vocab_.Find(word);
    if (whole >= 0) {
      out->push_back(whole);
      return;
    }
  }
  InitialSymbols(word, &scratch->id);
  if (scratch->id.empty()) return;
  Merge(scratch, out);
}

}  // namespace gembed::tok
