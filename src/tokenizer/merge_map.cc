#include "tokenizer/merge_map.h"

namespace gembed::tok {

void MergeMap::Reserve(size_t merges) {
  size_t want = 2;
  while (want < merges * 2) want *= 2;  // load factor <= 1/2 keeps probe runs short
  if (want > slots_.size()) Rehash(want);
}

void MergeMap::Rehash(size_t slot_count) {
  std::vector<Slot> old(slot_count, Slot{kEmpty, {0, 0}});
  old.swap(slots_);
  mask_ = slot_count - 1;
  shift_ = 64;
  for (size_t n = slot_count; n > 1; n >>= 1) --shift_;
  for (const Slot& s : old) {
    if (s.key == kEmpty) continue;
    size_t i = Bucket(s.key);
    while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void MergeMap::Set(int32_t left, int32_t right, MergeRule rule) {
  if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
  const uint64_t key = Key(left, right);
  const uint64_t bit = (key * 0xD6E8FEB86659FD93ull) >> (64 - kFilterBits);
  filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
  size_t i = Bucket(key);
  while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
  if (slots_[i].key == kEmpty) ++size_;
  slots_[i] = Slot{key, rule};
}

}  // namespace gembed::tok
