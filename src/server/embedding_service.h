// What both HTTP APIs share: checking limits, tokenising (in the caller's HTTP thread, so
// tokenisation runs in parallel), truncating, queueing for the batcher, then Matryoshka
// truncation, normalisation and output quantisation of the results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "embedder/output_quantization.h"
#include "server/batcher.h"

namespace gembed {
class Embedder;
}

namespace gembed::server {

class Metrics;

struct ServiceOptions {
  size_t max_inputs = 2048;  // inputs per request
  double int8_range = 1.0;   // int8/uint8 quantise each dimension over [-range, range]
};

// One input as an API gives it: a text, or the token ids of a text (without <bos>/<eos>:
// the service puts the model's template around them, as the tokenizer would).
struct ApiInput {
  std::string text;
  std::optional<std::vector<int32_t>> tokens;
};

struct EmbedRequest {
  std::vector<ApiInput> inputs;
  std::optional<std::string> prompt_name;
  bool truncate = false;       // over-long inputs are cut instead of refused
  bool truncate_left = false;  // cut the beginning (keep the end) instead of the end
  int dim = 0;                 // 0 = full
  bool normalize = true;       // false: the vector before the model's Normalize module (TEI)
  Precision precision = Precision::kFloat32;
};

struct EmbedResponse {
  std::vector<std::vector<float>> vectors;  // float32 results (empty when quantised)
  std::vector<std::vector<uint8_t>> packed; // quantised rows (precision != float32)
  std::vector<int> tokens;                  // tokens the model saw per input
  size_t total_tokens = 0;
};

struct TokenInfo {
  int32_t id = 0;
  std::string text;
  bool special = false;
  std::optional<size_t> start, stop;  // byte offsets into prompt + text
};

class EmbeddingService {
 public:
  EmbeddingService(const Embedder& embedder, Batcher& batcher, Metrics* metrics, ServiceOptions options);

  // Throws ApiError.
  EmbedResponse Embed(const EmbedRequest& request) const;
  std::vector<TokenInfo> Tokenize(const std::string& text, const std::optional<std::string>& prompt_name,
                                  bool add_special_tokens) const;

  const Embedder& embedder() const { return embedder_; }
  const ServiceOptions& options() const { return options_; }

 private:
  std::vector<int32_t> Ids(const ApiInput& input, size_t index, const EmbedRequest& request) const;
  void CheckPromptName(const std::optional<std::string>& name) const;

  const Embedder& embedder_;
  Batcher& batcher_;
  Metrics* metrics_;
  ServiceOptions options_;
};

}  // namespace gembed::server
