// Random-weight model folders in google/embeddinggemma-300m's exact layout (`gembed
// init-random`, and the default model of `gembed bench`): the real config values, prompts,
// sentence-transformers modules and tensor names, with weights drawn from a seeded PRNG, so
// that tests and benchmarks need nothing downloaded. The "full" preset loads exactly like the
// folder ../shared/tools/make_random_model.py writes for its "full" preset (same config,
// same tensors and shapes); the values differ (another generator), the scales are the same:
// linear W[out, in] ~ N(0, 1/in), embedding rows ~ N(0, 1/hidden), RMSNorm weights ~ N(0, 0.1)
// (Gemma norms compute x·(1 + w)), so activations stay O(1) as in a trained model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gembed::cli {

struct RandomModelOptions {
  std::string preset = "full";  // "full" (EmbeddingGemma-300m's shape) or "tiny"
  std::string dtype = "bf16";   // "bf16" or "f32"
  uint64_t seed = 300;
  std::string tokenizer;        // a tokenizer.json to copy; empty: write a synthetic one
  int threads = 0;              // generator threads; 0 = all cores
};

struct WrittenFile {
  std::string name;  // relative to the folder, e.g. "2_Dense/model.safetensors"
  uint64_t bytes = 0;
};

struct RandomModelReport {
  std::string dir;
  std::vector<WrittenFile> files;
  uint64_t total_bytes = 0;
  long long parameters = 0;  // encoder + Dense layers
  double seconds = 0;
};

// Creates `dir` as a complete model folder, atomically: everything is written into a hidden
// sibling (`.DIRNAME.tmp-PID`) and renamed into place only when complete, so a failure or an
// interrupted run never leaves a folder that looks finished. An existing empty `dir` is
// replaced; a non-empty one is refused (gembed::Error) unless `force`, which replaces it only
// after the new folder is complete. Throws gembed::Error; leaves no temporary folder behind.
RandomModelReport CreateRandomModel(const std::string& dir, const RandomModelOptions& options, bool force);

// The pieces, exposed for tests.
// A valid Gemma-style tokenizer.json for `vocab_size` ids (≥ 1024): <pad>=0, <eos>=1, <bos>=2,
// <unk>=3 (special added tokens), byte-fallback pieces <0x00>…<0xFF> at 4…259, "▁" and the
// printable ASCII characters, then filler BPE pieces of lowercase letters (with and without a
// leading "▁") made by merges; normalizer " "→"▁", BPE with byte_fallback, post-processor
// <bos> $A <eos>, decoder "▁"→" ", ByteFallback, Fuse. Deterministic (no randomness).
std::string SyntheticTokenizerJson(int vocab_size);
// EmbeddingGemma's tokenizer_config.json (GemmaTokenizer, add_bos_token and add_eos_token
// true, right padding, model_max_length 2048) and special_tokens_map.json.
std::string EmbeddingGemmaTokenizerConfigJson();
std::string EmbeddingGemmaSpecialTokensMapJson();

// "606.1 MB", "4.2 kB": decimal units, as `ls -h --si` prints them.
std::string HumanBytes(uint64_t bytes);

}  // namespace gembed::cli
