// Small helpers of `gembed bench`: order statistics and the benchmark's token-id inputs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace gembed::cli::bench {

// The median (the mean of the two middle values for an even count). Requires values.
inline double Median(std::vector<double> v) {
  if (v.empty()) throw std::invalid_argument("Median of nothing");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The nearest-rank percentile (p in (0, 100]): the smallest value with at least p% of the
// values at or below it; p99 of 50 runs is their maximum.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) throw std::invalid_argument("Percentile of nothing");
  std::sort(v.begin(), v.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  const size_t i = rank < 1 ? 0 : std::min(v.size(), static_cast<size_t>(rank)) - 1;
  return v[i];
}

// Deterministic token-id inputs: <bos> (2), length − 2 pseudo-random ids in [4, vocab),
// <eos> (1). Stream `stream` of a fixed generator, so every run and every weight type sees
// the same inputs.
inline std::vector<int32_t> RandomIds(int length, int vocab, uint64_t stream) {
  std::vector<int32_t> ids(static_cast<size_t>(std::max(length, 2)));
  uint64_t state = 0x243F6A8885A308D3ull ^ (stream * 0x9E3779B97F4A7C15ull);
  for (size_t i = 1; i + 1 < ids.size(); ++i) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    ids[i] = 4 + static_cast<int32_t>(z % static_cast<uint64_t>(vocab - 4));
  }
  ids.front() = 2;
  ids.back() = 1;
  return ids;
}

}  // namespace gembed::cli::bench
