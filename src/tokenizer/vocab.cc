#include "tokenizer/vocab.h"

#include <algorithm>
#include <stdexcept>

namespace gembed::tok {
namespace {

uint64_t Mix(uint64_t x) {
  // The splitmix64 finaliser: every input bit affects every output bit.
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// Token strings are short (7 bytes on average for Gemma): a plain loop beats a call.
bool SameBytes(const char* a, const char* b, size_t n) {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace

uint64_t HashBytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0x9FB21C651E98DF25ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  return Mix(h ^ tail);
}

void Vocab::Reserve(size_t tokens, size_t bytes) {
  arena_.reserve(arena_.size() + bytes + tokens * kHeader);
  record_.reserve(tokens);
  Grow(tokens);
}

void Vocab::Grow(size_t indexed) {
  size_t want = 16;
  while (want < indexed * 2) want *= 2;
  if (want > slots_.size()) Rehash(want);
}

size_t Vocab::SlotOf(std::string_view token, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(hash >> 32);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.record == kNone) return i;
    if (slot.tag == tag) {
      const std::string_view text = Text(slot.record);
      if (text.size() == token.size() && SameBytes(text.data(), token.data(), token.size())) {
        return i;
      }
    }
  }
}

void Vocab::Rehash(size_t slot_count) {
  std::vector<Slot> old(slot_count, Slot{0, kNone});
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.record == kNone) continue;
    // Recompute the hash: only its top half is stored, and the bucket uses the low half.
    const std::string_view token = Text(slot.record);
    slots_[SlotOf(token, HashBytes(token))] = slot;
  }
}

uint32_t Vocab::Store(std::string_view token, int32_t id) {
  if (arena_.size() + kHeader + token.size() >= kNone) {
    throw std::length_error("Vocab: more than 4 GB of token strings");
  }
  if (static_cast<size_t>(id) >= record_.size()) {
    record_.resize(static_cast<size_t>(id) + 1, kNone);
  }
  const auto at = static_cast<uint32_t>(arena_.size());
  const auto length = static_cast<uint32_t>(token.size());
  char header[kHeader];
  std::memcpy(header, &id, 4);
  std::memcpy(header + 4, &length, 4);
  arena_.append(header, kHeader).append(token);
  record_[id] = at;
  ++count_;
  return at;
}

Vocab::AddResult Vocab::Add(std::string_view token, int32_t id, uint64_t hash) {
  if (Has(id)) return AddResult::kDuplicateId;
  if (slots_.empty() || (indexed_ + 1) * 2 > slots_.size()) {
    Rehash(slots_.empty() ? 16 : slots_.size() * 2);
  }
  const size_t at = SlotOf(token, hash);
  if (slots_[at].record != kNone) return AddResult::kDuplicateToken;
  slots_[at] = Slot{static_cast<uint32_t>(hash >> 32), Store(token, id)};
  ++indexed_;
  unindexed_at_ = arena_.size();
  return AddResult::kAdded;
}

bool Vocab::Append(std::string_view token, int32_t id) {
  if (Has(id)) return false;
  Store(token, id);
  return true;
}

int32_t Vocab::IndexAppended() {
  const size_t begin = unindexed_at_;
  unindexed_at_ = arena_.size();
  size_t n = 0;
  for (size_t at = begin; at < arena_.size(); at += kHeader + Text(at).size()) ++n;
  Grow(indexed_ + n);
  // Hash a few records ahead and prefetch their slots, so that the table's cache misses
  // overlap; the arena is read in order.
  constexpr size_t kAhead = 16;
  uint64_t ahead[kAhead];
  size_t next = begin;  // the record to hash next
  const auto hash_next = [&](size_t i) {
    const std::string_view token = Text(static_cast<uint32_t>(next));
    ahead[i % kAhead] = HashBytes(token);
    PrefetchSlot(ahead[i % kAhead]);
    next += kHeader + token.size();
  };
  for (size_t i = 0; i < std::min(n, kAhead); ++i) hash_next(i);
  size_t at = begin;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t hash = ahead[i % kAhead];
    if (i + kAhead < n) hash_next(i + kAhead);
    const auto record = static_cast<uint32_t>(at);
    const std::string_view token = Text(record);
    const size_t slot = SlotOf(token, hash);
    if (slots_[slot].record != kNone) return RecordId(record);
    slots_[slot] = Slot{static_cast<uint32_t>(hash >> 32), record};
    ++indexed_;
    at += kHeader + token.size();
  }
  return -1;
}

void Vocab::ShrinkToFit() {
  arena_.shrink_to_fit();
  record_.shrink_to_fit();
}

int32_t Vocab::Find(std::string_view token) const {
  if (slots_.empty()) return -1;
  const Slot& slot = slots_[SlotOf(token, HashBytes(token))];
  return slot.record == kNone ? -1 : RecordId(slot.record);
}

void Vocab::FindMany(const std::string_view* tokens, size_t n, int32_t* ids) const {
  if (slots_.empty()) {
    for (size_t i = 0; i < n; ++i) ids[i] = -1;
    return;
  }
  constexpr size_t kBatch = 32;
  uint64_t hashes[kBatch];
  const size_t mask = slots_.size() - 1;
  for (size_t base = 0; base < n; base += kBatch) {
    const size_t m = n - base < kBatch ? n - base : kBatch;
    // Three passes over the batch, so that each pass's memory loads are in flight
    // together: the slots, then the arena records they point to, then the compare.
    for (size_t i = 0; i < m; ++i) {
      hashes[i] = HashBytes(tokens[base + i]);
      __builtin_prefetch(&slots_[hashes[i] & mask]);
    }
    for (size_t i = 0; i < m; ++i) {
      const Slot& slot = slots_[hashes[i] & mask];
      if (slot.record != kNone) __builtin_prefetch(arena_.data() + slot.record);
    }
    for (size_t i = 0; i < m; ++i) {
      const Slot& slot = slots_[SlotOf(tokens[base + i], hashes[i])];
      ids[base + i] = slot.record == kNone ? -1 : RecordId(slot.record);
    }
  }
}

}  // namespace gembed::tok
