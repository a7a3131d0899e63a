// Looks up the encoder's tensors by their Hugging Face names (with or without the "model."
// prefix that checkpoints saved from a wrapping module carry), checks dtype and shape, and
// records which were used so that a file describing a different model is refused.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/config.h"

namespace gembed {

class WeightLoader {
 public:
  explicit WeightLoader(const TensorStore& store);

  // The tensor `name` with exactly `shape`; throws gembed::Error naming the file otherwise.
  const TensorView& Get(const std::string& name, std::vector<int64_t> shape);
  std::vector<float> F32(const std::string& name, std::vector<int64_t> shape) { return ToF32(Get(name, shape)); }

  // A tensor nobody asked for means the file and config.json describe different models
  // (e.g. more layers than num_hidden_layers): refuse rather than ignore it.
  void CheckAllUsed(const ModelConfig& c) const;

 private:
  const TensorStore& store_;
  std::string prefix_;
  std::set<std::string> used_;
};

}  // namespace gembed
