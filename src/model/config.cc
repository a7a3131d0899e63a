#include "model/config.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "io/json_file.h"

namespace gembed {
namespace {

using nlohmann::json;

class Reader {
 public:
  Reader(const json& j, const std::string& path) : j_(j), path_(path) {}

  Error Fail(const std::string& key, const std::string& why) const {
    return Error(path_ + ": \"" + key + "\" " + why);
  }
  bool Has(const std::string& key) const { return j_.contains(key) && !j_[key].is_null(); }
  int PositiveInt(const std::string& key) const {
    if (!Has(key)) throw Fail(key, "is missing");
    const json& v = j_[key];
    if (!v.is_number_integer() || v.get<long long>() <= 0 || v.get<long long>() > (1LL << 30)) {
      throw Fail(key, "must be a positive integer, got " + v.dump());
    }
    return v.get<int>();
  }
  double Number(const std::string& key, double fallback) const {
    if (!Has(key)) return fallback;
    if (!j_[key].is_number()) throw Fail(key, "must be a number, got " + j_[key].dump());
    return j_[key].get<double>();
  }
  std::string String(const std::string& key, const std::string& fallback) const {
    if (!Has(key)) return fallback;
    if (!j_[key].is_string()) throw Fail(key, "must be a string, got " + j_[key].dump());
    return j_[key].get<std::string>();
  }

 private:
  const json& j_;
  const std::string& path_;
};

}  // namespace

long long ModelConfig::NumParameters() const {
  const long long h = hidden_size, q = 1LL * num_heads * head_dim, kv = 1LL * num_kv_heads * head_dim;
  const long long per_layer = h * q * 2 + h * kv * 2 + 3LL * h * intermediate_size + 4 * h + 2LL * head_dim;
  return 1LL * vocab_size * h + num_layers * per_layer + h;
}

ModelConfig ParseModelConfig(const std::string& json_text, const std::string& path) {
  const json j = ParseJson(json_text, path);
  if (!j.is_object()) throw Error(path + ": not a JSON object");
  Reader r(j, path);

  const std::string model_type = r.String("model_type", "");
  if (model_type != "gemma3_text") {
    throw r.Fail("model_type", "is '" + model_type + "'; gembed runs EmbeddingGemma (gemma3_text)");
  }
  ModelConfig c;
  c.hidden_size = r.PositiveInt("hidden_size");
  c.num_layers = r.PositiveInt("num_hidden_layers");
  c.num_heads = r.PositiveInt("num_attention_heads");
  c.num_kv_heads = r.Has("num_key_value_heads") ? r.PositiveInt("num_key_value_heads") : c.num_heads;
  c.head_dim = r.Has("head_dim") ? r.PositiveInt("head_dim") : c.hidden_size / c.num_heads;
  c.intermediate_size = r.PositiveInt("intermediate_size");
  c.vocab_size = r.PositiveInt("vocab_size");
  c.sliding_window = r.PositiveInt("sliding_window");
  c.max_position_embeddings = r.Has("max_position_embeddings") ? r.PositiveInt("max_position_embeddings") : 0;
  c.rms_norm_eps = r.Number("rms_norm_eps", 1e-6);
  c.query_pre_attn_scalar = r.Number("query_pre_attn_scalar", c.head_dim);
  if (c.query_pre_attn_scalar <= 0) throw r.Fail("query_pre_attn_scalar", "must be positive");
  c.attn_logit_softcap = r.Number("attn_logit_softcapping", 0);
  c.dtype = r.String("dtype", r.String("torch_dtype", "float32"));
  if (c.num_heads % c.num_kv_heads != 0) {
    throw r.Fail("num_attention_heads", "(" + std::to_string(c.num_heads) + ") is not a multiple of num_key_value_heads (" +
                                            std::to_string(c.num_kv_heads) + ")");
  }
  if (c.head_dim % 2 != 0) throw r.Fail("head_dim", "must be even for rotary embeddings");

  // Bidirectional attention is what makes this an encoder; a causal config is another model.
  if (!j.contains("use_bidirectional_attention") || j["use_bidirectional_attention"] != true) {
    throw r.Fail("use_bidirectional_attention", "must be true (EmbeddingGemma's encoder is bidirectional)");
  }
  const std::string act = r.String("hidden_activation", r.String("hidden_act", "gelu_pytorch_tanh"));
  if (act != "gelu_pytorch_tanh") throw r.Fail("hidden_activation", "is '" + act + "'; only gelu_pytorch_tanh is supported");
  if (r.Has("rope_scaling")) throw r.Fail("rope_scaling", "is set; only the default RoPE is supported");
  if (r.Has("attention_bias") && j["attention_bias"] != false) throw r.Fail("attention_bias", "must be false");

  // RoPE bases: old-format keys, or the newer per-layer-type "rope_parameters".
  c.rope_theta_full = r.Number("rope_theta", 1e6);
  c.rope_theta_sliding = r.Number("rope_local_base_freq", 1e4);
  if (r.Has("rope_parameters") && j["rope_parameters"].is_object()) {
    const json& rp = j["rope_parameters"];
    auto theta = [&](const char* kind, double* out) {
      if (rp.contains(kind) && rp[kind].is_object()) {
        const json& p = rp[kind];
        if (p.contains("rope_type") && p["rope_type"] != "default") {
          throw r.Fail("rope_parameters", std::string("(") + kind + ") uses rope_type " + p["rope_type"].dump() +
                                             "; only default RoPE is supported");
        }
        if (p.contains("rope_theta") && p["rope_theta"].is_number()) *out = p["rope_theta"].get<double>();
      }
    };
    theta("full_attention", &c.rope_theta_full);
    theta("sliding_attention", &c.rope_theta_sliding);
  }

  // Layer types: explicit list, else Gemma 3's pattern (full when (i+1) % pattern == 0).
  if (r.Has("layer_types")) {
    const json& lt = j["layer_types"];
    if (!lt.is_array() || lt.size() != static_cast<size_t>(c.num_layers)) {
      throw r.Fail("layer_types", "must list " + std::to_string(c.num_layers) + " layer types");
    }
    for (const json& t : lt) {
      if (t == "sliding_attention") c.layer_types.push_back(LayerType::kSliding);
      else if (t == "full_attention") c.layer_types.push_back(LayerType::kFull);
      else throw r.Fail("layer_types", "has unknown type " + t.dump());
    }
  } else {
    const int pattern = r.Has("_sliding_window_pattern") ? r.PositiveInt("_sliding_window_pattern")
                        : r.Has("sliding_window_pattern") ? r.PositiveInt("sliding_window_pattern") : 6;
    for (int i = 0; i < c.num_layers; ++i) {
      c.layer_types.push_back((i + 1) % pattern == 0 ? LayerType::kFull : LayerType::kSliding);
    }
  }
  return c;
}

}  // namespace gembed
