// The Gemma 3 text encoder (HF Gemma3TextModel with bidirectional attention): token ids
// in, final-norm hidden states out. This is the plain f32 reference path.
//
// Batches are ragged: sequences are concatenated without padding ([T, hidden] with
// T = Σ lengths), the linear layers run over all T rows at once, and attention runs within
// each sequence. Padding therefore cannot change any result.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/config.h"

namespace gembed {

class ThreadPool;

struct EncoderLayerWeights {
  // Linear weights as torch stores them: [out, in], f32.
  std::vector<float> q_proj;     // [heads·head_dim, hidden]
  std::vector<float> k_proj;     // [kv_heads·head_dim, hidden]
  std::vector<float> v_proj;     // [kv_heads·head_dim, hidden]
  std::vector<float> o_proj;     // [hidden, heads·head_dim]
  std::vector<float> gate_proj;  // [ffn, hidden]
  std::vector<float> up_proj;    // [ffn, hidden]
  std::vector<float> down_proj;  // [hidden, ffn]
  // RMSNorm weights (applied as 1 + w).
  std::vector<float> q_norm, k_norm;  // [head_dim]
  std::vector<float> input_norm, post_attention_norm, pre_feedforward_norm, post_feedforward_norm;  // [hidden]
};

// Called with the residual stream [T, hidden] after the embedding (layer = -1) and after
// each layer; for tests and debugging.
using LayerObserver = std::function<void(int layer, const float* hidden)>;

class Encoder {
 public:
  // Checks every tensor's presence, dtype and shape against `config` (names with or
  // without a "model." prefix), then loads. The embedding table stays in the mapped file
  // in its stored dtype; rows are widened to f32 as tokens use them.
  Encoder(const ModelConfig& config, std::shared_ptr<const TensorStore> weights);

  const ModelConfig& config() const { return config_; }
  const TensorView& embedding_table() const { return *embed_; }

  // ids: Σ lengths token ids; lengths: one per sequence (each ≥ 1).
  // hidden: [Σ lengths, hidden_size], the final-norm output (HF last_hidden_state).
  // Throws gembed::Error for an id outside the vocabulary.
  void Forward(std::span<const int32_t> ids, std::span<const int> lengths, float* hidden,
               ThreadPool* pool, const LayerObserver* observer = nullptr) const;

 private:
  void Attention(const EncoderLayerWeights& w, LayerType type, const float* xn, std::span<const int> lengths,
                 size_t total, float* attn_out, ThreadPool* pool) const;

  ModelConfig config_;
  std::shared_ptr<const TensorStore> weights_;
  const TensorView* embed_ = nullptr;
  float embed_scale_ = 0;
  std::vector<EncoderLayerWeights> layers_;
  std::vector<float> final_norm_;
  std::vector<float> inv_freq_full_, inv_freq_sliding_;
};

}  // namespace gembed
