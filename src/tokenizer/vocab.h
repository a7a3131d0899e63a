// Token string ↔ id table of the BPE model: all strings in one arena, an open-addressing
// hash index over ids. The 262k-entry Gemma vocabulary costs two allocations instead of a
// quarter-million std::string nodes, and lookups touch one slot array.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::tok {

// A fast, non-cryptographic hash of a byte string (our own, not a copy of a library's).
uint64_t HashBytes(std::string_view s);

class Vocab {
 public:
  enum class AddResult { kAdded, kDuplicateToken, kDuplicateId };

  void Reserve(size_t tokens, size_t bytes);
  // Adds `token` with id `id` (>= 0) unless the string or the id is already taken.
  AddResult Add(std::string_view token, int32_t id) { return Add(token, id, HashBytes(token)); }
  // The same with the token's HashBytes precomputed; with PrefetchSlot, lets a bulk
  // loader start the cache misses of the next inserts before it needs them.
  AddResult Add(std::string_view token, int32_t id, uint64_t hash);
  void PrefetchSlot(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  // Id of `token`, or -1.
  int32_t Find(std::string_view token) const;
  // ids[i] = Find(tokens[i]) for n tokens. Overlapping the cache misses of many lookups
  // makes this several times faster than single calls when the table dwarfs the cache.
  void FindMany(const std::string_view* tokens, size_t n, int32_t* ids) const;
  // Whether `id` names a token (ids may have holes).
  bool Has(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < begin_.size() && begin_[id] != kNone;
  }
  // The token string of an id; requires Has(id).
  std::string_view Piece(int32_t id) const {
    return std::string_view(arena_.data() + begin_[id], length_[id]);
  }
  int32_t count() const { return count_; }                                 // tokens stored
  int32_t id_limit() const { return static_cast<int32_t>(begin_.size()); }  // max id + 1

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  void Rehash(size_t slot_count);
  size_t SlotOf(std::string_view token, uint64_t hash) const;

  std::string arena_;
  std::vector<uint32_t> begin_;   // by id: offset into arena_, kNone for a hole
  std::vector<uint32_t> length_;  // by id
  // A slot repeats the token's place in the arena, so a probe touches the slot and the
  // arena only (loading looks up 1.5 million merge parts: each cache miss counts). The
  // stored hash bits reject almost every non-matching slot without touching the arena.
  struct Slot {
    uint32_t tag;  // high 32 bits of the hash
    int32_t id;    // -1: empty
    uint32_t begin;
    uint32_t length;
  };
  std::vector<Slot> slots_;
  int32_t count_ = 0;
};

}  // namespace gembed::tok
