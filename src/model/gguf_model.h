// EmbeddingGemma in GGUF, as llama.cpp writes it (convert_hf_to_gguf.py, class
// EmbeddingGemma; architecture "gemma-embedding") and reads it (llama-model.cpp,
// LLM_ARCH_GEMMA_EMBEDDING): the hyper-parameters, the tensor names, the sentence-transformers
// head, and the metadata to write so that llama.cpp loads a file gembed converts.
//
// Conventions of those files (docs/formats.md has the full table):
//  * Tensor names: token_embd, output_norm, blk.N.{attn_norm, attn_q, attn_k, attn_v,
//    attn_output, attn_q_norm, attn_k_norm, post_attention_norm, ffn_norm (the
//    pre-feedforward norm), post_ffw_norm, ffn_gate, ffn_up, ffn_down}, and the Dense layers
//    dense_2, dense_3 (present only when converted with --sentence-transformers-dense-modules).
//    Shapes are stored reversed (ne[0] = row length); GgufTensor::shape is torch order.
//  * RMSNorm weights are stored as 1 + w: the converter adds 1 to every tensor whose HF name
//    ends in "norm.weight" (Gemma3RMSNorm multiplies by 1 + w; llama.cpp multiplies by the
//    stored weight). gembed's encoder applies 1 + w, so a loader subtracts 1 (GgufNormToHf).
//  * attention.sliding_window is the raw config.json value (512; the converter reads
//    config.json itself because transformers rewrites the field), and llama.cpp's
//    LLAMA_SWA_TYPE_SYMMETRIC masks |i − j| > window/2: ModelConfig::sliding_window is the
//    same number with the same meaning.
//  * llama.cpp fixes for this architecture what the file does not say: every 6th layer is
//    full attention, sliding layers use RoPE base 10000, attention scale 1/sqrt(key_length).
//    gembed also writes rope.freq_base_swa (as newer converters do), and for models that
//    differ attention.sliding_window_pattern and gembed.query_pre_attn_scalar; llama.cpp
//    (the version read) ignores these for gemma-embedding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/gguf_file.h"
#include "io/gguf_writer.h"
#include "model/config.h"

namespace gembed {

inline constexpr const char* kGgufEmbeddingGemmaArch = "gemma-embedding";
// llama.cpp's enum llama_pooling_type, as stored in gemma-embedding.pooling_type.
inline constexpr uint32_t kGgufPoolingMean = 1;

// GGUF tensor name ↔ the names gembed uses elsewhere: the HF checkpoint's
// ("embed_tokens.weight", "layers.3.self_attn.q_proj.weight", "norm.weight"; the "model."
// prefix is accepted) and, for the sentence-transformers head, "2_Dense/linear.weight",
// "3_Dense/linear.weight" (and .bias). Empty for names EmbeddingGemma does not have.
std::string GgufToHfName(std::string_view gguf_name);
std::string HfToGgufName(std::string_view hf_name);

// Whether GGUF stores this (HF-named) tensor as 1 + w, and the conversions, in place. For a
// stored weight g in [0.5, 2] (all practical norm weights) 1 + (g − 1) == g exactly in f32,
// so gembed's (1 + w) reproduces llama.cpp's multiplier bit for bit.
bool GgufStoresNormPlusOne(std::string_view hf_name);
void GgufNormToHf(float* w, size_t n);
void HfNormToGguf(float* w, size_t n);

// The hyper-parameters of a gemma-embedding file. vocab_size is token_embd's row count.
// Throws gembed::Error naming the file and key: another architecture (a gemma3 language
// model is not an embedding model), missing or inconsistent keys, causal attention, RoPE
// scaling, per-layer head counts that differ.
ModelConfig ParseGgufModelConfig(const GgufFile& file);

// The tensors a file for `config` must hold, GGUF names with torch-order shapes; with the
// Dense layers when dense_hidden > 0 (dense_2: [dense_hidden, hidden], dense_3: [hidden,
// dense_hidden]).
struct GgufTensorSpec {
  std::string name;
  std::vector<int64_t> shape;
};
std::vector<GgufTensorSpec> ExpectedGgufTensors(const ModelConfig& config, int dense_hidden);

// Everything a loader needs besides the weights.
struct GgufModelInfo {
  ModelConfig config;
  uint32_t pooling_type = kGgufPoolingMean;
  // Both dense_2.weight and dense_3.weight are present (biases are optional). Without them
  // the vectors are not EmbeddingGemma's: see MissingDenseWarning.
  bool has_dense = false;
  int dense_hidden = 0;  // dense_2's output size (3072 for EmbeddingGemma)
  int max_seq_length = 0;  // context_length
  std::string name;        // general.name
  std::optional<uint32_t> file_type;  // general.file_type (llama_ftype), informational
  // Prompts: llama.cpp stores none; gembed writes gembed.prompt_names / gembed.prompt_texts
  // and gembed.default_prompt_name so that a converted model keeps them.
  std::vector<std::pair<std::string, std::string>> prompts;
  std::string default_prompt_name;
};

// ParseGgufModelConfig + the head + a check of every tensor (all expected names present with
// the shapes the metadata implies, no unknown ones, both Dense layers or neither, Dense
// sizes matching the dense_*_feat_* keys). Mean pooling is the only kind supported.
GgufModelInfo ReadGgufModel(const GgufFile& file);

// The warning a loader must print (loudly, to stderr) for a file without Dense layers.
std::string MissingDenseWarning(const std::string& path);

// The metadata (all but the tokenizer, tokenizer/gguf_vocab.h) that makes llama.cpp load
// the model as gemma-embedding: general.architecture, context/embedding/feed-forward
// lengths, block count, head counts, key/value lengths, RMS epsilon, rope.freq_base,
// attention.sliding_window (raw), pooling_type, dense_{2,3}_feat_{in,out}; plus the extra
// keys above where the model differs from llama.cpp's fixed assumptions. Throws for a
// config llama.cpp cannot express at all (attention softcapping is kept as a key llama.cpp
// ignores, so it is refused).
void WriteGgufModelMetadata(const GgufModelInfo& info, GgufWriter* writer);

}  // namespace gembed
