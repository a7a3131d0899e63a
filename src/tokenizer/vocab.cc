#include "tokenizer/vocab.h"

#include <cstring>

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
  arena_.reserve(bytes);
  begin_.reserve(tokens);
  length_.reserve(tokens);
  size_t want = 16;
  while (want < tokens * 2 + 2) want *= 2;  // room for all without a rehash in Add
  if (want > slots_.size()) Rehash(want);
}

size_t Vocab::SlotOf(std::string_view token, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(hash >> 32);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return i;
    if (slot.tag == tag && slot.length == token.size() &&
        std::memcmp(arena_.data() + slot.begin, token.data(), token.size()) == 0) {
      return i;
    }
  }
}

void Vocab::Rehash(size_t slot_count) {
  std::vector<Slot> old(slot_count, Slot{0, -1, 0, 0});
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.id < 0) continue;
    // Recompute the hash: only its top half is stored, and the bucket uses the low half.
    const std::string_view token(arena_.data() + slot.begin, slot.length);
    slots_[SlotOf(token, HashBytes(token))] = slot;
  }
}

Vocab::AddResult Vocab::Add(std::string_view token, int32_t id, uint64_t hash) {
  if (Has(id)) return AddResult::kDuplicateId;
  if (slots_.empty() || static_cast<size_t>(count_ + 1) * 2 > slots_.size()) {
    Rehash(slots_.empty() ? 16 : slots_.size() * 2);
  }
  const size_t at = SlotOf(token, hash);
  if (slots_[at].id >= 0) return AddResult::kDuplicateToken;
  if (static_cast<size_t>(id) >= begin_.size()) {
    begin_.resize(static_cast<size_t>(id) + 1, kNone);
    length_.resize(static_cast<size_t>(id) + 1, 0);
  }
  const auto begin = static_cast<uint32_t>(arena_.size());
  begin_[id] = begin;
  length_[id] = static_cast<uint32_t>(token.size());
  arena_.append(token);
  slots_[at] = Slot{static_cast<uint32_t>(hash >> 32), id, begin, static_cast<uint32_t>(token.size())};
  ++count_;
  return AddResult::kAdded;
}

int32_t Vocab::Find(std::string_view token) const {
  if (slots_.empty()) return -1;
  return slots_[SlotOf(token, HashBytes(token))].id;
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
    // together: the slots, then the arena bytes they point to, then the compare.
    for (size_t i = 0; i < m; ++i) {
      hashes[i] = HashBytes(tokens[base + i]);
      __builtin_prefetch(&slots_[hashes[i] & mask]);
    }
    for (size_t i = 0; i < m; ++i) {
      const Slot& slot = slots_[hashes[i] & mask];
      if (slot.id >= 0) __builtin_prefetch(arena_.data() + slot.begin);
    }
    for (size_t i = 0; i < m; ++i) ids[base + i] = slots_[SlotOf(tokens[base + i], hashes[i])].id;
  }
}

}  // namespace gembed::tok
