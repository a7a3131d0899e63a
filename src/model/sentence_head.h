// The sentence-transformers modules after the encoder: mean pooling → Dense → Dense →
// L2 normalise (google/embeddinggemma-300m: 1_Pooling, 2_Dense 768→3072, 3_Dense
// 3072→768, 4_Normalize).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/tensor.h"
#include "kernels/packed_matrix.h"

namespace gembed {

class ThreadPool;

// One sentence_transformers.models.Dense: y = activation(x · Wᵀ + b).
struct DenseLayer {
  enum class Activation { kIdentity, kTanh };
  int in_features = 0;
  int out_features = 0;
  std::vector<float> weight;  // [out, in]
  std::vector<float> bias;    // [out] or empty
  Activation activation = Activation::kIdentity;
  std::string dtype;          // as stored, for `gembed info`
  PackedMatrix packed;        // after Pack(): the weight Apply multiplies with

  // Reads dir/config.json and dir/model.safetensors ("linear.weight", "linear.bias"),
  // validating shapes against the config. Throws gembed::Error naming the file.
  static DenseLayer Load(const std::string& dir);
  // From tensors held elsewhere (a GGUF file): weight [out, in], optional bias [out].
  static DenseLayer FromTensors(const TensorView& weight, const TensorView* bias, Activation activation);
  // Packs `weight` as `type` for the fast kernels and releases the f32 copy.
  void Pack(WeightType type, ActivationPrecision activations = ActivationPrecision::kAuto);
  // x[rows, in] → y[rows, out] (packed weights when Pack() was called, else the reference)
  void Apply(const float* x, size_t rows, float* y, ThreadPool* pool) const;
};

// Validated 1_Pooling/config.json: only masked mean pooling with the prompt included is
// what EmbeddingGemma uses; anything else is refused rather than silently approximated.
struct PoolingConfig {
  int dimension = 0;
  static PoolingConfig Load(const std::string& dir);
};

// Mean over each sequence's tokens (prompt, <bos> and <eos> included).
// hidden[Σ lengths, dim] → pooled[lengths.size(), dim]; sums in double.
void MeanPool(const float* hidden, std::span<const int> lengths, size_t dim, float* pooled);

}  // namespace gembed
