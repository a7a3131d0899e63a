// gembed's C++ API: load an EmbeddingGemma model folder once, then turn texts into
// embeddings.
//
//   auto model = gembed::Embedder::Load("/models/embeddinggemma-300m", {.threads = 4});
//   gembed::EmbedOptions opt;
//   opt.prompt_name = "query";   // "task: search result | query: "
//   opt.dim = 256;               // Matryoshka: truncate, then re-normalise
//   auto out = model->Embed({{.text = "What is the capital of France?"}}, opt);
//   // out[0].embedding has 256 floats of unit length; out[0].tokens counts <bos>…<eos>.
//
// What the model sees for a text input (sentence-transformers semantics):
//   ids = prefix + tokenize(strip(prompt + text))[:max − 2] + suffix      (prefix <bos>, suffix <eos>)
// where the prompt is, first match wins: the input's document title form
// ("title: {title or "none"} | text: "), the input's raw `prompt`, the input's
// `prompt_name`, the options' `prompt`, the options' `prompt_name`, the model's
// default_prompt_name, else none. `strip` is Python's str.strip().
//
// Embed() is thread-safe: many threads may call it on one Embedder. Inputs are grouped into
// ragged batches (no padding), so a text's embedding does not depend on its batch mates.
// Bad input (unknown prompt name, invalid UTF-8, an empty input, token ids outside the
// vocabulary, an over-long input in strict mode) throws gembed::InputError
// ("input <index>: <what is wrong>"); an impossible dimension throws gembed::Error. No
// partial result is returned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "embedder/model_folder.h"

namespace gembed {

class ThreadPool;

struct EmbedderOptions {
  int threads = 0;  // 0 = all hardware threads
  // Weight type the encoder computes with: "auto" (as stored: f32 stays f32, bf16 stays bf16,
  // quantised GGUF tensors stay quantised), "f32", "bf16", "q8_0", "q4_0" or "mixed" (the
  // paper's scheme: int4 embeddings/FFN/projections, int8 attention). Quantises at load.
  std::string weights = "auto";
  // Precision the weights multiply activations in: "auto" (int8 for q8_0/q4_0 weights where
  // the CPU has int8 dot products, as llama.cpp does; f32 otherwise, so f32/bf16 weights give
  // the reference's results), "f32" (always: closest to the f32 model, slower with quantised
  // weights), "low" (auto, plus bf16 activations for bf16 weights where the CPU has
  // AVX512-BF16: faster, about 1e-4 off).
  std::string activations = "auto";
};

struct EmbedInput {
  std::string text;
  std::optional<std::string> title;        // document form: "title: {title or "none"} | text: "
  std::optional<std::string> prompt;       // a raw prompt string
  std::optional<std::string> prompt_name;  // a prompt from config_sentence_transformers.json
  // Final token ids (with <bos>/<eos> as the model should see them): no prompt, no
  // tokenizer. Takes precedence over `text`.
  std::optional<std::vector<int32_t>> ids;
};

struct EmbedOptions {
  std::optional<std::string> prompt_name;
  std::optional<std::string> prompt;
  int dim = 0;            // Matryoshka output dimension; 0 = the model's full dimension
  bool strict = false;    // over-long inputs are an error instead of being truncated
  int batch_size = 32;    // sequences per forward pass (a token budget also applies)
  // false: the vector before the model's final Normalize module (EmbeddingGemma: mean
  // pooling → Dense → Dense), as TEI's `normalize: false`; `dim` then truncates it without
  // re-normalising. No effect on a model without a Normalize module (its output is raw).
  bool normalize = true;
};

struct EmbedResult {
  std::vector<float> embedding;  // unit length (when the model normalises and `normalize`), `dim` floats
  int tokens = 0;                // tokens the model saw, <bos>/<eos> included
  int input_tokens = 0;          // tokens before truncation (== tokens unless truncated)
  bool truncated = false;
};

// Token ids an input becomes, and the string they came from.
struct PreparedInput {
  std::vector<int32_t> ids;
  std::string input_string;  // prompt + text, stripped ("" for id inputs)
  int input_tokens = 0;
  bool truncated = false;
};

class Embedder {
 public:
  // Loads the model folder (see model_folder.h); throws gembed::Error.
  static std::unique_ptr<Embedder> Load(const std::string& dir, const EmbedderOptions& options = {});
  ~Embedder();

  std::vector<EmbedResult> Embed(std::span<const EmbedInput> inputs, const EmbedOptions& options = {}) const;
  std::vector<EmbedResult> Embed(std::initializer_list<EmbedInput> inputs, const EmbedOptions& options = {}) const {
    return Embed(std::span<const EmbedInput>(inputs.begin(), inputs.size()), options);
  }

  // The ids one input becomes (prompt applied, stripped, tokenised, truncated). Throws
  // gembed::Error saying what is wrong with the input (Embed adds which input it was).
  PreparedInput Prepare(const EmbedInput& input, const EmbedOptions& options) const;

  const ModelFolder& model() const { return model_; }
  int output_dim() const { return model_.output_dim(); }
  int max_seq_length() const { return model_.max_seq_length; }
  const std::map<std::string, std::string>& prompts() const { return model_.prompts; }
  // null when the folder has no tokenizer.json (then only `ids` inputs work).
  const Tokenizer* tokenizer() const { return model_.tokenizer.get(); }
  int num_threads() const;

 private:
  Embedder(ModelFolder model, int threads);
  // The prompt string an input gets (see the header comment for the order).
  std::string ResolvePrompt(const EmbedInput& input, const EmbedOptions& options) const;
  // Runs one ragged batch; writes one embedding of output_dim() floats per sequence,
  // through the model's Normalize module when it has one and `normalize` is true.
  void RunBatch(std::span<const std::vector<int32_t>* const> seqs, bool normalize, float* out) const;

  ModelFolder model_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace gembed
