// The plain f32 reference of the Gemma 3 text encoder (HF Gemma3TextModel with
// bidirectional attention): token ids in, final-norm hidden states out. Simple loops, every
// weight widened to f32; the fast Encoder (encoder.h) is tested against it.
//
// Batches are ragged: sequences are concatenated without padding ([T, hidden] with
// T = Σ lengths), the linear layers run over all T rows at once, and attention runs within
// each sequence. Padding therefore cannot change any result.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/config.h"
#include "model/layer_observer.h"

namespace gembed {

class ThreadPool;

struct ReferenceLayerWeights {
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


class ReferenceEncoder {
 public:
  // Checks every tensor's presence, dtype and shape against `config` (names with or
  // without a "model." prefix), then loads. The embedding table stays in the mapped file
  // in its stored dtype; rows are widened to f32 as tokens use them.
  ReferenceEncoder(const ModelConfig& config, std::shared_ptr<const TensorStore> weights);

  const ModelConfig& config() const { return config_; }
  const TensorView& embedding_table() const { return *embed_; }

  // ids: Σ lengths token ids; lengths: one per sequence (each ≥ 1).
  // hidden: [Σ lengths, hidden_size], the final-norm output (HF last_hidden_state).
  // Throws gembed::Error for an id outside the vocabulary.
  void Forward(std::span<const int32_t> ids, std::span<const int> lengths, float* hidden,
               ThreadPool* pool, const LayerObserver* observer = nullptr) const;

 private:
  void Attention(const ReferenceLayerWeights& w, LayerType type, const float* xn, std::span<const int> lengths,
                 size_t total, float* attn_out, ThreadPool* pool) const;

  ModelConfig config_;
  std::shared_ptr<const TensorStore> weights_;
  const TensorView* embed_ = nullptr;
  float embed_scale_ = 0;
  std::vector<ReferenceLayerWeights> layers_;
  std::vector<float> final_norm_;
  std::vector<float> inv_freq_full_, inv_freq_sliding_;
};

}  // namespace gembed
