// A sentence-transformers model folder as google/embeddinggemma-300m publishes it:
//   modules.json                        the pipeline: Transformer, Pooling, Dense…, Normalize
//   config.json + model.safetensors     the Gemma 3 encoder (or a sharded index)
//   sentence_bert_config.json           max_seq_length
//   config_sentence_transformers.json   prompts, default_prompt_name
//   1_Pooling/config.json, 2_Dense/, 3_Dense/ (config.json + model.safetensors)
//   tokenizer.json                      Gemma 3's tokenizer in EmbeddingGemma's form
// 4_Normalize has no files on the hub and is not required on disk.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/encoder.h"
#include "model/sentence_head.h"
#include "tokenizer/tokenizer.h"

namespace gembed {

struct ModelFolder {
  std::string path;
  ModelConfig config;
  std::string weights_dtype;                  // dtype of the encoder tensors (e.g. "BF16")
  std::unique_ptr<Encoder> encoder;          // null when loaded without weights
  PoolingConfig pooling;
  std::vector<DenseLayer> dense;              // in pipeline order
  bool normalize = false;                     // a Normalize module is present
  int max_seq_length = 0;                     // from sentence_bert_config.json
  std::map<std::string, std::string> prompts; // name → prompt text
  std::optional<std::string> default_prompt_name;
  std::unique_ptr<Tokenizer> tokenizer;       // null when the folder has no tokenizer.json

  // Loads and validates everything; throws gembed::Error naming the file and what is wrong.
  // `dir` is a model folder, or a GGUF file (llama.cpp / Ollama). `weights` is the encoder's
  // weight plan (model/encoder.h: auto, f32, bf16, q8_0, q4_0, mixed). Without
  // `with_weights` everything but the encoder is read and the Dense layers keep their f32
  // `weight` unpacked (what a converter needs).
  // `activations` (auto | f32 | low) is the precision the weights multiply activations in
  // (kernels/packed_matrix.h).
  static ModelFolder Load(const std::string& dir, const std::string& weights = "auto", bool with_weights = true,
                          const std::string& activations = "auto");
  int output_dim() const;  // the last Dense layer's out_features (or hidden size)
};

// Only the tokenizer of a model folder (tokenizer.json with tokenizer_config.json's <bos>/<eos>
// flags applied, as ModelFolder::Load does) or of a GGUF file.
std::unique_ptr<Tokenizer> LoadModelTokenizer(const std::string& path);

}  // namespace gembed
