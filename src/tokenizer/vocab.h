// Token string ↔ id table of the BPE model: all strings in one arena, an open-addressing
// hash index over it. The 262k-entry Gemma vocabulary costs three flat arrays (9.4 MB in
// all) instead of a quarter-million std::string nodes, and a lookup touches one slot and
// the arena only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
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

  // Bulk loading, for a reader that learns the number of tokens only at the end: Append
  // stores a token under `id` without indexing it (false, storing nothing, when the id is
  // taken); IndexAppended then indexes the appended tokens in the order they came, with
  // the table sized once, and returns the id of the first one whose string was already
  // indexed (that one and those after it stay unindexed), or -1. Add and Find see
  // appended tokens only once they are indexed.
  bool Append(std::string_view token, int32_t id);
  int32_t IndexAppended();
  // Gives back the arrays' spare capacity (after loading).
  void ShrinkToFit();

  // Id of `token`, or -1.
  int32_t Find(std::string_view token) const;
  // ids[i] = Find(tokens[i]) for n tokens. Overlapping the cache misses of many lookups
  // makes this several times faster than single calls when the table dwarfs the cache.
  void FindMany(const std::string_view* tokens, size_t n, int32_t* ids) const;
  // Whether `id` names a token (ids may have holes).
  bool Has(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < record_.size() && record_[id] != kNone;
  }
  // The token string of an id; requires Has(id).
  std::string_view Piece(int32_t id) const { return Text(record_[id]); }
  int32_t count() const { return count_; }                                   // tokens stored
  int32_t id_limit() const { return static_cast<int32_t>(record_.size()); }  // max id + 1

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // The arena is a sequence of records, each an int32 id, a uint32 length and the bytes.
  static constexpr size_t kHeader = 8;
  int32_t RecordId(uint32_t at) const {
    int32_t id;
    std::memcpy(&id, arena_.data() + at, 4);
    return id;
  }
  std::string_view Text(uint32_t at) const {
    uint32_t length;
    std::memcpy(&length, arena_.data() + at + 4, 4);
    return std::string_view(arena_.data() + at + kHeader, length);
  }
  // 8 bytes, at a load factor of at most 1/2 (4 MB for Gemma). The stored hash bits
  // reject almost every non-matching slot without touching the arena.
  struct Slot {
    uint32_t tag;     // high 32 bits of the hash
    uint32_t record;  // offset of the token's record in arena_; kNone: empty
  };
  void Rehash(size_t slot_count);
  void Grow(size_t indexed);  // room for `indexed` tokens at a load factor <= 1/2
  size_t SlotOf(std::string_view token, uint64_t hash) const;
  uint32_t Store(std::string_view token, int32_t id);

  std::string arena_;
  std::vector<uint32_t> record_;  // by id: offset of its record in arena_, kNone for a hole
  std::vector<Slot> slots_;
  int32_t count_ = 0;        // tokens stored
  size_t indexed_ = 0;       // tokens in slots_
  size_t unindexed_at_ = 0;  // arena_ offset of the first appended, unindexed record
};

}  // namespace gembed::tok
