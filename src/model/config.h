// The Gemma 3 text encoder's hyper-parameters, read from a Hugging Face config.json.
#pragma once

#include <string>
#include <vector>

namespace gembed {

enum class LayerType { kSliding, kFull };

struct ModelConfig {
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int intermediate_size = 0;
  int vocab_size = 0;
  // The raw config.json value (512 for EmbeddingGemma). Bidirectional sliding layers let
  // token i see j when |i − j| ≤ raw/2 (model-spec.md: the HF constructor rewrites the
  // field to raw/2 + 1 as an exclusive bound; re-saved configs are therefore wrong).
  int sliding_window = 0;
  int window_radius() const { return sliding_window / 2; }
  std::vector<LayerType> layer_types;
  double rope_theta_full = 1e6;
  double rope_theta_sliding = 1e4;
  double query_pre_attn_scalar = 0;  // scores are scaled by query_pre_attn_scalar^-0.5
  double rms_norm_eps = 1e-6;
  double attn_logit_softcap = 0;     // 0 = none
  int max_position_embeddings = 0;
  std::string dtype;                 // "float32", "bfloat16", … (informational)

  // Parameters of the encoder (embedding table included), from the shapes above.
  long long NumParameters() const;
};

// Parses config.json text; `path` is only used in messages. Throws gembed::Error for a
// different architecture, missing or inconsistent fields, or features we do not implement
// (rope_scaling, causal attention, another activation), naming the key.
ModelConfig ParseModelConfig(const std::string& json_text, const std::string& path);

}  // namespace gembed
