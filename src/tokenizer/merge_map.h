// (left id, right id) → (merge rank, merged id): the BPE inner loop's only lookup, so it
// is a flat open-addressing table keyed by the packed pair, with no per-entry allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gembed::tok {

struct MergeRule {
  uint32_t rank;   // position in the file's merges list; lower merges first
  int32_t merged;  // id of left+right
};

class MergeMap {
 public:
  void Reserve(size_t merges);
  // Sets the rule for a pair, replacing an earlier one (HF builds a HashMap from the list,
  // so for a pair listed twice the later entry wins).
  void Set(int32_t left, int32_t right, MergeRule rule);

  bool Find(int32_t left, int32_t right, MergeRule* rule) const {
    const uint64_t key = Key(left, right);
    const uint64_t bit = (key * 0xD6E8FEB86659FD93ull) >> (64 - kFilterBits);
    if (!((filter_[bit >> 6] >> (bit & 63)) & 1)) return false;
    for (size_t i = Bucket(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) {
        *rule = s.rule;
        return true;
      }
      if (s.key == kEmpty) return false;
    }
  }
  size_t size() const { return size_; }
  // Starts loading the slot of a pair that Set will be called for soon.
  void Prefetch(int32_t left, int32_t right) const {
    __builtin_prefetch(&slots_[Bucket(Key(left, right))]);
  }

 private:
  struct Slot {
    uint64_t key;
    MergeRule rule;
  };
  static constexpr uint64_t kEmpty = ~0ull;  // ids are non-negative int32, so never a key

  static uint64_t Key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  // Fibonacci hashing: the multiply spreads both ids over the top bits we keep.
  size_t Bucket(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void Rehash(size_t slot_count);

  // One bit per hash of each pair: about 40% of lookups are for pairs with no merge, and
  // this 512 KB filter (cache-resident, unlike the 16 MB table) answers most of them.
  static constexpr int kFilterBits = 22;
  std::vector<uint64_t> filter_ = std::vector<uint64_t>((size_t{1} << kFilterBits) / 64, 0);
  std::vector<Slot> slots_ = std::vector<Slot>(2, Slot{kEmpty, {0, 0}});
  size_t mask_ = 1;
  int shift_ = 63;  // 64 - log2(slot count)
  size_t size_ = 0;
};

}  // namespace gembed::tok
