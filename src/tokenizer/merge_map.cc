#include "tokenizer/merge_map.h"

#include <utility>

namespace gembed::tok {
namespace {

constexpr double kMaxLoad = 0.9;  // of all slots; 2-choice 4-way cuckoo fills to ~98%
constexpr int kMaxMoves = 500;    // displacements before growing the table

}  // namespace

MergeMap::MergeMap() { Rehash(1); }

void MergeMap::Reserve(size_t merges) {
  const auto want = static_cast<size_t>(static_cast<double>(merges) / (kWays * kMaxLoad)) + 1;
  if (want > bucket_count_) Rehash(want);
}

bool MergeMap::Insert(uint64_t* key, MergeRule* rule) {
  size_t bucket = First(*key);
  for (int move = 0; move < kMaxMoves; ++move) {
    // A free slot in either bucket ends the walk.
    for (const size_t b : {First(*key), Second(*key)}) {
      Bucket& target = buckets_[b];
      for (int w = 0; w < kWays; ++w) {
        if (target.key[w] == kEmpty) {
          target.key[w] = *key;
          target.rule[w] = *rule;
          return true;
        }
      }
    }
    // Both full: take a slot (at random: a fixed choice could cycle) of the bucket the
    // pair did not come from; the pair that was there moves next.
    bucket = bucket == First(*key) ? Second(*key) : First(*key);
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    const int w = static_cast<int>(random_ & (kWays - 1));
    std::swap(*key, buckets_[bucket].key[w]);
    std::swap(*rule, buckets_[bucket].rule[w]);
  }
  return false;
}

void MergeMap::Rehash(size_t bucket_count) {
  Bucket empty;
  for (int w = 0; w < kWays; ++w) empty.key[w] = kEmpty, empty.rule[w] = MergeRule{0, 0};
  std::vector<Bucket> old;
  old.swap(buckets_);
  for (;;) {
    buckets_.assign(bucket_count, empty);
    bucket_count_ = bucket_count;
    bool placed = true;
    for (const Bucket& b : old) {
      for (int w = 0; w < kWays && placed; ++w) {
        uint64_t key = b.key[w];
        MergeRule rule = b.rule[w];
        if (key != kEmpty) placed = Insert(&key, &rule);
      }
      if (!placed) break;
    }
    if (placed) return;
    bucket_count += bucket_count / 2 + 1;  // (never seen at a load of 90%)
  }
}

void MergeMap::Set(int32_t left, int32_t right, MergeRule rule) {
  uint64_t key = Key(left, right);
  const uint64_t bit = (key * 0xD6E8FEB86659FD93ull) >> (64 - kFilterBits);
  filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
  for (const size_t b : {First(key), Second(key)}) {
    Bucket& bucket = buckets_[b];
    for (int w = 0; w < kWays; ++w) {
      if (bucket.key[w] == key) {
        bucket.rule[w] = rule;
        return;
      }
    }
  }
  if (static_cast<double>(size_ + 1) > kMaxLoad * static_cast<double>(bucket_count_ * kWays)) {
    Rehash(bucket_count_ * 2);
  }
  while (!Insert(&key, &rule)) Rehash(bucket_count_ * 2);  // then place the pair left over
  ++size_;
}

}  // namespace gembed::tok
