#include "model/sentence_head.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/mapped_file.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "kernels/ops.h"

namespace gembed {
namespace {

using nlohmann::json;

json ReadJsonObject(const std::string& path) {
  json j = ReadJsonFile(path);
  if (!j.is_object()) throw Error(path + ": not a JSON object");
  return j;
}

int PositiveInt(const json& j, const std::string& key, const std::string& path) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<long long>() <= 0 ||
      j[key].get<long long>() > (1LL << 30)) {
    throw Error(path + ": \"" + key + "\" must be a positive integer");
  }
  return j[key].get<int>();
}

}  // namespace

DenseLayer DenseLayer::Load(const std::string& dir) {
  const std::string cfg_path = dir + "/config.json";
  const json cfg = ReadJsonObject(cfg_path);
  DenseLayer d;
  d.in_features = PositiveInt(cfg, "in_features", cfg_path);
  d.out_features = PositiveInt(cfg, "out_features", cfg_path);
  const bool has_bias = cfg.value("bias", true);
  const std::string act = cfg.value("activation_function", std::string("torch.nn.modules.activation.Tanh"));
  if (act == "torch.nn.modules.linear.Identity") {
    d.activation = Activation::kIdentity;
  } else if (act == "torch.nn.modules.activation.Tanh") {
    d.activation = Activation::kTanh;
  } else {
    throw Error(cfg_path + ": activation_function '" + act + "' is not supported (Identity or Tanh)");
  }

  auto store = TensorStore::Open(dir);
  const TensorView* w = store->Find("linear.weight");
  if (w == nullptr) throw Error(store->description() + ": missing tensor 'linear.weight'");
  if (w->shape != std::vector<int64_t>{d.out_features, d.in_features}) {
    throw Error(w->file + ": tensor 'linear.weight' has shape " + w->ShapeString() + " but " + cfg_path +
                " implies [" + std::to_string(d.out_features) + ", " + std::to_string(d.in_features) + "]");
  }
  d.weight = ToF32(*w);
  d.dtype = w->dtype_name;
  const TensorView* b = store->Find("linear.bias");
  if (has_bias) {
    if (b == nullptr) throw Error(store->description() + ": config says bias but tensor 'linear.bias' is missing");
    if (b->shape != std::vector<int64_t>{d.out_features}) {
      throw Error(b->file + ": tensor 'linear.bias' has shape " + b->ShapeString());
    }
    d.bias = ToF32(*b);
  } else if (b != nullptr) {
    throw Error(cfg_path + ": \"bias\" is false but " + b->file + " holds 'linear.bias'");
  }
  for (const std::string& name : store->Names()) {
    if (name != "linear.weight" && name != "linear.bias") {
      throw Error(store->description() + ": unexpected tensor '" + name + "' in a Dense layer");
    }
  }
  return d;
}

DenseLayer DenseLayer::FromTensors(const TensorView& weight, const TensorView* bias, Activation activation) {
  if (weight.shape.size() != 2) throw Error(weight.file + ": tensor '" + weight.name + "' must be a matrix");
  DenseLayer d;
  d.out_features = static_cast<int>(weight.shape[0]);
  d.in_features = static_cast<int>(weight.shape[1]);
  d.weight = ToF32(weight);
  d.dtype = weight.dtype_name;
  d.activation = activation;
  if (bias != nullptr) {
    if (bias->shape != std::vector<int64_t>{d.out_features}) {
      throw Error(bias->file + ": tensor '" + bias->name + "' has shape " + bias->ShapeString());
    }
    d.bias = ToF32(*bias);
  }
  return d;
}

void DenseLayer::Pack(WeightType type, ActivationPrecision activations) {
  packed = PackedMatrix::FromF32(weight.data(), out_features, in_features, type);
  packed.set_activations(activations);
  std::vector<float>().swap(weight);
}

void DenseLayer::Apply(const float* x, size_t rows, float* y, ThreadPool* pool) const {
  if (!packed.empty()) {
    packed.MatMul(x, rows, y, pool);
  } else {
    MatMulWT(x, rows, in_features, weight.data(), out_features, y, pool);
  }
  for (size_t r = 0; r < rows; ++r) {
    float* yr = y + r * out_features;
    for (int o = 0; o < out_features; ++o) {
      if (!bias.empty()) yr[o] += bias[o];
      if (activation == Activation::kTanh) yr[o] = std::tanh(yr[o]);
    }
  }
}

PoolingConfig PoolingConfig::Load(const std::string& dir) {
  const std::string path = dir + "/config.json";
  const json j = ReadJsonObject(path);
  PoolingConfig p;
  p.dimension = PositiveInt(j, "word_embedding_dimension", path);
  for (const char* mode : {"pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                           "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
    if (j.value(mode, false)) throw Error(path + ": " + mode + " is not supported (EmbeddingGemma uses mean pooling)");
  }
  if (!j.value("pooling_mode_mean_tokens", false)) throw Error(path + ": pooling_mode_mean_tokens must be true");
  if (!j.value("include_prompt", true)) throw Error(path + ": include_prompt=false is not supported");
  return p;
}

void MeanPool(const float* hidden, std::span<const int> lengths, size_t dim, float* pooled) {
  std::vector<double> acc(dim);
  size_t row = 0;
  for (size_t s = 0; s < lengths.size(); ++s) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int i = 0; i < lengths[s]; ++i, ++row) {
      for (size_t c = 0; c < dim; ++c) acc[c] += hidden[row * dim + c];
    }
    for (size_t c = 0; c < dim; ++c) pooled[s * dim + c] = static_cast<float>(acc[c] / lengths[s]);
  }
}

}  // namespace gembed
