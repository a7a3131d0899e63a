// A deterministic mutation fuzzer for the GGUF readers, run as an ordinary test: start from
// the files in tests/fuzz/gguf_corpus/, apply a few random edits (bit flips, byte writes,
// "interesting" integers over counts and lengths, insertions, deletions, duplicated or
// spliced chunks, truncation) and read the result through everything that reads GGUF. Every
// input must be accepted or refused with gembed::Error; the ASan + UBSan build turns any
// out-of-bounds read or undefined behaviour into a failure. Seeded, so a failure repeats.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf_fuzz_target.h"
#include "io/gguf_file.h"
#include "model/gguf_model.h"
#include "tokenizer/gguf_vocab.h"

namespace gembed {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GEMBED_SOURCE_DIR) / "tests" / "fuzz" / "gguf_corpus";

struct CorpusFile {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<CorpusFile> LoadCorpus() {
  std::vector<CorpusFile> out;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    out.push_back({e.path().filename().string(),
                   std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())});
  }
  std::sort(out.begin(), out.end(), [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
  return out;
}

// SplitMix64: small, fast and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t s_;
};

void Mutate(std::vector<uint8_t>* b, const std::vector<CorpusFile>& corpus, Rng* r) {
  static const uint64_t kInteresting[] = {0,          1,          2,          3,          4,
                                          7,          8,          9,          12,         16,
                                          31,         32,         33,         64,         255,
                                          256,        1000,       65535,      65536,      0x7FFFFFFF,
                                          0x80000000, 0xFFFFFFFF, 1ull << 32, 1ull << 62, 0x7FFFFFFFFFFFFFFFull,
                                          0x8000000000000000ull,  ~0ull};
  std::vector<uint8_t>& v = *b;
  switch (r->Below(8)) {
    case 0:  // flip a bit
      if (!v.empty()) v[r->Below(v.size())] ^= static_cast<uint8_t>(1u << r->Below(8));
      break;
    case 1:  // write a byte
      if (!v.empty()) v[r->Below(v.size())] = static_cast<uint8_t>(r->Next());
      break;
    case 2: {  // an interesting integer of 1, 2, 4 or 8 bytes, little-endian
      const size_t width = size_t{1} << r->Below(4);
      if (v.size() < width) break;
      uint64_t value = kInteresting[r->Below(std::size(kInteresting))];
      if (r->Below(4) == 0) value = v.size() + r->Below(64) - 32;  // near the file size
      const size_t at = r->Below(v.size() - width + 1);
      for (size_t i = 0; i < width; ++i) v[at + i] = static_cast<uint8_t>(value >> (8 * i));
      break;
    }
    case 3: {  // insert random bytes
      const size_t at = r->Below(v.size() + 1), n = 1 + r->Below(16);
      std::vector<uint8_t> bytes(n);
      for (uint8_t& x : bytes) x = static_cast<uint8_t>(r->Next());
      v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin(), bytes.end());
      break;
    }
    case 4: {  // delete a range
      if (v.empty()) break;
      const size_t at = r->Below(v.size()), n = std::min(v.size() - at, 1 + r->Below(16));
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(at), v.begin() + static_cast<std::ptrdiff_t>(at + n));
      break;
    }
    case 5: {  // duplicate a chunk elsewhere
      if (v.empty()) break;
      const size_t from = r->Below(v.size()), n = std::min(v.size() - from, 1 + r->Below(64));
      const std::vector<uint8_t> chunk(v.begin() + static_cast<std::ptrdiff_t>(from),
                                       v.begin() + static_cast<std::ptrdiff_t>(from + n));
      v.insert(v.begin() + static_cast<std::ptrdiff_t>(r->Below(v.size() + 1)), chunk.begin(), chunk.end());
      break;
    }
    case 6:  // truncate
      v.resize(r->Below(v.size() + 1));
      break;
    case 7: {  // splice in a chunk of another corpus file
      const std::vector<uint8_t>& other = corpus[r->Below(corpus.size())].bytes;
      if (other.empty() || v.empty()) break;
      const size_t from = r->Below(other.size()), n = std::min(other.size() - from, 1 + r->Below(128));
      const size_t at = r->Below(v.size());
      const size_t keep = std::min(n, v.size() - at);
      std::copy_n(other.begin() + static_cast<std::ptrdiff_t>(from), keep, v.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    }
  }
}

// The seeds (seed_*) are valid files; libFuzzer finds (found_*) may be anything.
TEST(GgufFuzz, CorpusSeedsAreValid) {
  const std::vector<CorpusFile> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 5u) << "corpus missing: " << kCorpus;
  size_t total = 0, models = 0, tokenizers = 0;
  for (const CorpusFile& c : corpus) {
    total += c.bytes.size();
    if (c.name.rfind("seed_", 0) != 0) continue;
    const auto f = GgufFile::FromBytes(c.bytes, c.name);  // throws (fails) if invalid
    if (f->Has("general.architecture") && f->GetString("general.architecture") == kGgufEmbeddingGemmaArch) {
      EXPECT_NO_THROW(ReadGgufModel(*f)) << c.name;
      ++models;
    }
    if (f->Has("tokenizer.ggml.model")) {
      EXPECT_NO_THROW(TokenizerFromGguf(*f)->Encode("ab a")) << c.name;
      ++tokenizers;
    }
  }
  EXPECT_GE(models, 2u);
  EXPECT_GE(tokenizers, 2u);
  EXPECT_LT(corpus.size(), 50u);
  EXPECT_LT(total, 100u * 1024);
}

TEST(GgufFuzz, MutatedInputsAreAcceptedOrRefused) {
  const std::vector<CorpusFile> corpus = LoadCorpus();
  ASSERT_FALSE(corpus.empty()) << "corpus missing: " << kCorpus;
  const char* env = std::getenv("GEMBED_FUZZ_ITERATIONS");
  const long iterations = env != nullptr ? std::atol(env) : 20000;
  // Half the inputs start from a seed (valid files reach the deeper readers), half from any
  // corpus file (libFuzzer's finds are mostly short, broken headers).
  std::vector<size_t> seeds;
  for (size_t k = 0; k < corpus.size(); ++k) {
    if (corpus[k].name.rfind("seed_", 0) == 0) seeds.push_back(k);
  }
  ASSERT_FALSE(seeds.empty());
  Rng rng(0x6765656D62656421ull);  // fixed: a failure repeats
  long counts[4] = {};
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    const size_t pick = rng.Below(2) == 0 ? seeds[rng.Below(seeds.size())] : rng.Below(corpus.size());
    std::vector<uint8_t> input = corpus[pick].bytes;
    const size_t edits = 1 + rng.Below(4);
    for (size_t e = 0; e < edits; ++e) Mutate(&input, corpus, &rng);
    std::string failure;
    try {
      counts[static_cast<int>(fuzz::ExerciseGguf(input.data(), input.size()))]++;
    } catch (const std::exception& e) {
      failure = std::string("exception other than gembed::Error: ") + e.what();
    } catch (...) {
      failure = "non-standard exception";
    }
    if (!failure.empty()) {
      const fs::path saved = fs::path(GEMBED_BINARY_DIR) / ("gguf_fuzz_failure_" + std::to_string(i) + ".gguf");
      std::ofstream(saved, std::ios::binary).write(reinterpret_cast<const char*>(input.data()),
                                                  static_cast<std::streamsize>(input.size()));
      FAIL() << "iteration " << i << ": " << failure << " (input saved to " << saved << ")";
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%ld inputs in %.1f s: %ld refused, %ld parsed, %ld read as a model, %ld built a tokenizer\n",
              iterations, seconds, counts[0], counts[1], counts[2], counts[3]);
  // Not vacuous: the edits must let a fair share through to the deeper readers, and refuse some.
  EXPECT_GT(counts[0], iterations / 10);
  EXPECT_GT(counts[1] + counts[2] + counts[3], iterations / 20);
  EXPECT_GT(counts[2] + counts[3], iterations / 100);
}

}  // namespace
}  // namespace gembed
