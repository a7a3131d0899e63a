// The Gemma 3 text encoder (HF Gemma3TextModel with bidirectional attention), fast path:
// token ids in, final-norm hidden states out.
//
// Linear weights are packed once at load (kernels/packed_matrix.h) in the weight type
// asked for; q/k/v and gate/up are fused into one matrix each so that a layer reads its
// input twice instead of five times. Attention runs as two packed GEMMs per query block
// (scores = Q·Kᵀ over the keys the window allows, then P·V), so sliding layers do no work
// outside their window. Batches are ragged (no padding), as in the reference encoder, and
// results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "kernels/packed_matrix.h"
#include "model/config.h"
#include "model/layer_observer.h"

namespace gembed {

class ThreadPool;
struct SimdKernels;

// Which weight type each group of linear layers is computed in.
struct WeightPlan {
  // "auto" keeps each tensor's stored type (F16 and types without a kernel become f32);
  // f32 | bf16 | q8_0 | q4_0 use that type everywhere; "mixed" is the paper's scheme:
  // int8 attention, int4 feed-forward.
  // `activations`: auto | f32 | high | low (packed_matrix.h: 16-bit activations for
  // Q8_0/Q4_0 under auto = high, int8 under low, and bf16 for bf16 weights under low).
  // Throws gembed::Error for unknown names.
  static WeightPlan Parse(const std::string& name, const std::string& activations = "auto");
  std::string name = "auto";
  bool keep_stored = true;
  WeightType attention = WeightType::kF32, ffn = WeightType::kF32;
  ActivationPrecision activations = ActivationPrecision::kAuto;
};

class Encoder {
 public:
  // Checks every tensor's presence, dtype and shape against `config` (names with or
  // without a "model." prefix), then packs the linear weights per `plan`. The embedding
  // table stays in the mapped file in its stored type; rows are widened as tokens use them.
  Encoder(const ModelConfig& config, std::shared_ptr<const TensorStore> weights, const WeightPlan& plan = {});

  const ModelConfig& config() const { return config_; }
  const TensorView& embedding_table() const { return *embed_; }
  // "f32", "bf16", "q8_0 attention + q4_0 ffn", … and the packed bytes of the linear layers.
  std::string weight_types() const;
  size_t packed_bytes() const;

  // ids: Σ lengths token ids; lengths: one per sequence (each ≥ 1).
  // hidden: [Σ lengths, hidden_size], the final-norm output (HF last_hidden_state).
  // Throws gembed::Error for an id outside the vocabulary.
  void Forward(std::span<const int32_t> ids, std::span<const int> lengths, float* hidden, ThreadPool* pool,
               const LayerObserver* observer = nullptr) const;

  // The vector kernels used (tests pin an ISA; default: the best this CPU has).
  void set_kernels(const SimdKernels* k) { kernels_ = k; }

 private:
  struct Layer {
    PackedMatrix qkv;      // [q + k + v, hidden]
    PackedMatrix o;        // [hidden, q]
    PackedMatrix gate_up;  // [2·ffn, hidden]
    PackedMatrix down;     // [hidden, ffn]
    std::vector<float> q_norm, k_norm;  // [head_dim]
    std::vector<float> input_norm, post_attention_norm, pre_feedforward_norm, post_feedforward_norm;  // [hidden]
  };
  struct Rope;

  void Attention(const Layer& w, LayerType type, float* qkv, std::span<const int> lengths, size_t total,
                 const Rope& rope, float* ctx, ThreadPool* pool) const;

  ModelConfig config_;
  std::shared_ptr<const TensorStore> weights_;
  const TensorView* embed_ = nullptr;
  float embed_scale_ = 0;
  std::vector<Layer> layers_;
  std::vector<float> final_norm_;
  std::vector<float> inv_freq_full_, inv_freq_sliding_;
  const SimdKernels* kernels_ = nullptr;
};

}  // namespace gembed
