#include "model/gguf_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/error.h"

namespace gembed {
namespace {

// Per-layer tensors: GGUF suffix (after "blk.N.") and HF suffix (after "layers.N.").
constexpr std::pair<const char*, const char*> kLayerNames[] = {
    {"attn_norm.weight", "input_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},
    {"attn_k.weight", "self_attn.k_proj.weight"},
    {"attn_v.weight", "self_attn.v_proj.weight"},
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"attn_q_norm.weight", "self_attn.q_norm.weight"},
    {"attn_k_norm.weight", "self_attn.k_norm.weight"},
    {"post_attention_norm.weight", "post_attention_layernorm.weight"},
    {"ffn_norm.weight", "pre_feedforward_layernorm.weight"},
    {"post_ffw_norm.weight", "post_feedforward_layernorm.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
};
constexpr std::pair<const char*, const char*> kGlobalNames[] = {
    {"token_embd.weight", "embed_tokens.weight"},
    {"output_norm.weight", "norm.weight"},
    {"dense_2.weight", "2_Dense/linear.weight"},
    {"dense_2.bias", "2_Dense/linear.bias"},
    {"dense_3.weight", "3_Dense/linear.weight"},
    {"dense_3.bias", "3_Dense/linear.bias"},
};

// "<prefix><N>.<rest>" with N a plain decimal layer index: returns N and sets *rest.
bool SplitLayer(std::string_view name, std::string_view prefix, std::string_view* rest, int* layer) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  name.remove_prefix(prefix.size());
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 6) return false;
  if (dot > 1 && name[0] == '0') return false;  // "blk.01" is not layer 1
  int n = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    n = n * 10 + (name[i] - '0');
  }
  *layer = n;
  *rest = name.substr(dot + 1);
  return true;
}

// Bounds what a file can make the loader allocate before its tensors are checked.
constexpr int kMaxLayers = 1 << 16;

std::string Key(std::string_view suffix) { return std::string(kGgufEmbeddingGemmaArch) + "." + std::string(suffix); }

// A positive u32 that fits an int, or an error naming the key.
int Positive(const GgufFile& f, const std::string& key, uint32_t value) {
  if (value == 0 || value > (1u << 30)) throw f.Fail(key + " = " + std::to_string(value) + " (must be 1 to 2^30)");
  return static_cast<int>(value);
}

// llama.cpp allows some counts per layer (arrays); gembed needs one value for all layers.
int PerModel(const GgufFile& f, const std::string& key, int layers, std::optional<int> fallback) {
  const GgufKv* kv = f.FindKv(key);
  if (kv == nullptr) {
    if (fallback.has_value()) return *fallback;
    throw f.Fail("metadata '" + key + "' is missing");
  }
  if (kv->type != GgufType::kArray) return Positive(f, key, f.GetU32(key));
  const std::vector<uint32_t> values = f.GetU32Array(key);
  if (values.size() != static_cast<size_t>(layers)) {
    throw f.Fail(key + " lists " + std::to_string(values.size()) + " values for " + std::to_string(layers) + " layers");
  }
  if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
    throw f.Fail(key + " differs between layers (not supported)");
  }
  return Positive(f, key, values[0]);
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string DtypeOf(const GgufTensor& t) {
  switch (t.ggml_type()) {
    case GgmlType::kF32: return "float32";
    case GgmlType::kF16: return "float16";
    case GgmlType::kBF16: return "bfloat16";
    default: return t.type->name;
  }
}

}  // namespace

std::string GgufToHfName(std::string_view name) {
  for (const auto& [gguf, hf] : kGlobalNames) {
    if (name == gguf) return hf;
  }
  std::string_view rest;
  int layer;
  if (!SplitLayer(name, "blk.", &rest, &layer)) return "";
  for (const auto& [gguf, hf] : kLayerNames) {
    if (rest == gguf) return "layers." + std::to_string(layer) + "." + hf;
  }
  return "";
}

std::string HfToGgufName(std::string_view name) {
  if (name.substr(0, 6) == "model.") name.remove_prefix(6);
  for (const auto& [gguf, hf] : kGlobalNames) {
    if (name == hf) return gguf;
  }
  std::string_view rest;
  int layer;
  if (!SplitLayer(name, "layers.", &rest, &layer)) return "";
  for (const auto& [gguf, hf] : kLayerNames) {
    if (rest == hf) return "blk." + std::to_string(layer) + "." + gguf;
  }
  return "";
}

bool GgufStoresNormPlusOne(std::string_view hf_name) {
  // The converter's own rule: `if name.endswith("norm.weight"): data_torch = data_torch + 1`.
  constexpr std::string_view kSuffix = "norm.weight";
  return hf_name.size() >= kSuffix.size() && hf_name.substr(hf_name.size() - kSuffix.size()) == kSuffix;
}

void GgufNormToHf(float* w, size_t n) {
  for (size_t i = 0; i < n; ++i) w[i] -= 1.0f;
}

void HfNormToGguf(float* w, size_t n) {
  for (size_t i = 0; i < n; ++i) w[i] += 1.0f;
}

ModelConfig ParseGgufModelConfig(const GgufFile& f) {
  const std::string arch(f.GetString("general.architecture"));
  if (arch != kGgufEmbeddingGemmaArch) {
    std::string hint;
    if (arch == "gemma3") hint = " (a Gemma 3 language model, not EmbeddingGemma)";
    throw f.Fail("general.architecture is '" + arch + "'" + hint + "; gembed runs EmbeddingGemma ('" +
                 kGgufEmbeddingGemmaArch + "')");
  }
  ModelConfig c;
  c.hidden_size = Positive(f, Key("embedding_length"), f.GetU32(Key("embedding_length")));
  c.num_layers = Positive(f, Key("block_count"), f.GetU32(Key("block_count")));
  if (c.num_layers > kMaxLayers) {
    throw f.Fail(Key("block_count") + " = " + std::to_string(c.num_layers) + " is implausible (at most " +
                 std::to_string(kMaxLayers) + ")");
  }
  c.num_heads = PerModel(f, Key("attention.head_count"), c.num_layers, std::nullopt);
  c.num_kv_heads = PerModel(f, Key("attention.head_count_kv"), c.num_layers, c.num_heads);
  c.intermediate_size = PerModel(f, Key("feed_forward_length"), c.num_layers, std::nullopt);
  c.head_dim = f.Has(Key("attention.key_length"))
                   ? Positive(f, Key("attention.key_length"), f.GetU32(Key("attention.key_length")))
                   : c.hidden_size / c.num_heads;
  if (f.Has(Key("attention.value_length")) &&
      f.GetU32(Key("attention.value_length")) != static_cast<uint32_t>(c.head_dim)) {
    throw f.Fail(Key("attention.value_length") + " differs from key_length (not supported)");
  }
  if (c.num_heads % c.num_kv_heads != 0) {
    throw f.Fail(Key("attention.head_count") + " (" + std::to_string(c.num_heads) +
                 ") is not a multiple of head_count_kv (" + std::to_string(c.num_kv_heads) + ")");
  }
  if (c.head_dim % 2 != 0) throw f.Fail(Key("attention.key_length") + " must be even for rotary embeddings");

  // The raw config.json window, which llama.cpp requires and reads as a symmetric window
  // of ±window/2 (LLAMA_SWA_TYPE_SYMMETRIC): the same meaning as ModelConfig's.
  c.sliding_window = Positive(f, Key("attention.sliding_window"), f.GetU32(Key("attention.sliding_window")));

  // Layer types: llama.cpp fixes the pattern of this architecture at 6 (layer i is full
  // attention when i % 6 == 5); gembed writes attention.sliding_window_pattern only for
  // models that differ: per-layer bools (true = sliding) or a period.
  const std::string pattern_key = Key("attention.sliding_window_pattern");
  if (const GgufKv* kv = f.FindKv(pattern_key); kv != nullptr && kv->type == GgufType::kArray) {
    const std::vector<bool> sliding = f.GetBoolArray(pattern_key);
    if (sliding.size() != static_cast<size_t>(c.num_layers)) {
      throw f.Fail(pattern_key + " lists " + std::to_string(sliding.size()) + " layers, not " +
                   std::to_string(c.num_layers));
    }
    for (bool s : sliding) c.layer_types.push_back(s ? LayerType::kSliding : LayerType::kFull);
  } else {
    const int period = kv != nullptr ? Positive(f, pattern_key, f.GetU32(pattern_key)) : 6;
    for (int i = 0; i < c.num_layers; ++i) {
      c.layer_types.push_back((i + 1) % period == 0 ? LayerType::kFull : LayerType::kSliding);
    }
  }

  // RoPE: full layers use rope.freq_base (llama.cpp's default when absent is 10000);
  // sliding layers 10000, fixed by llama.cpp for this architecture, unless gembed wrote
  // rope.freq_base_swa.
  c.rope_theta_full = f.GetF32(Key("rope.freq_base"), 10000.0f);
  c.rope_theta_sliding = f.GetF32(Key("rope.freq_base_swa"), 10000.0f);
  if (!(c.rope_theta_full > 0) || !(c.rope_theta_sliding > 0)) throw f.Fail("RoPE bases must be positive");
  if (f.Has(Key("rope.scaling.type")) && f.GetString(Key("rope.scaling.type")) != "none") {
    throw f.Fail(Key("rope.scaling.type") + " is '" + std::string(f.GetString(Key("rope.scaling.type"))) +
                 "'; only the default RoPE is supported");
  }
  c.rms_norm_eps = f.GetF32(Key("attention.layer_norm_rms_epsilon"));
  if (!(c.rms_norm_eps > 0)) throw f.Fail(Key("attention.layer_norm_rms_epsilon") + " must be positive");
  // llama.cpp scales scores by 1/sqrt(key_length) for this architecture.
  c.query_pre_attn_scalar = f.GetF32("gembed.query_pre_attn_scalar", static_cast<float>(c.head_dim));
  if (!(c.query_pre_attn_scalar > 0)) throw f.Fail("gembed.query_pre_attn_scalar must be positive");
  c.attn_logit_softcap = f.GetF32(Key("attn_logit_softcapping"), 0.0f);
  if (f.Has(Key("attention.causal")) && f.GetBool(Key("attention.causal"))) {
    throw f.Fail(Key("attention.causal") + " is true; EmbeddingGemma's encoder is bidirectional");
  }
  c.max_position_embeddings = static_cast<int>(std::min<uint32_t>(f.GetU32(Key("context_length"), 0), 1u << 30));

  // The vocabulary is the embedding's rows (the token list may be longer or absent).
  if (const GgufTensor* embd = f.Find("token_embd.weight")) {
    if (embd->shape.size() != 2 || embd->shape[1] != c.hidden_size || embd->shape[0] > (int64_t{1} << 30)) {
      throw f.Fail("tensor 'token_embd.weight' has shape " + embd->ShapeString() + "; expected [vocab, " +
                   std::to_string(c.hidden_size) + "]");
    }
    c.vocab_size = static_cast<int>(embd->shape[0]);
    c.dtype = DtypeOf(*embd);
  } else {
    throw f.Fail("tensor 'token_embd.weight' is missing");
  }
  return c;
}

std::vector<GgufTensorSpec> ExpectedGgufTensors(const ModelConfig& c, int dense_hidden) {
  const int64_t h = c.hidden_size, q = int64_t{c.num_heads} * c.head_dim, kv = int64_t{c.num_kv_heads} * c.head_dim;
  const int64_t d = c.head_dim, ff = c.intermediate_size;
  std::vector<GgufTensorSpec> out = {{"token_embd.weight", {c.vocab_size, h}}};
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    out.push_back({p + "attn_norm.weight", {h}});
    out.push_back({p + "attn_q.weight", {q, h}});
    out.push_back({p + "attn_k.weight", {kv, h}});
    out.push_back({p + "attn_v.weight", {kv, h}});
    out.push_back({p + "attn_output.weight", {h, q}});
    out.push_back({p + "attn_q_norm.weight", {d}});
    out.push_back({p + "attn_k_norm.weight", {d}});
    out.push_back({p + "post_attention_norm.weight", {h}});
    out.push_back({p + "ffn_norm.weight", {h}});
    out.push_back({p + "post_ffw_norm.weight", {h}});
    out.push_back({p + "ffn_gate.weight", {ff, h}});
    out.push_back({p + "ffn_up.weight", {ff, h}});
    out.push_back({p + "ffn_down.weight", {h, ff}});
  }
  out.push_back({"output_norm.weight", {h}});
  if (dense_hidden > 0) {
    out.push_back({"dense_2.weight", {dense_hidden, h}});
    out.push_back({"dense_3.weight", {h, dense_hidden}});
  }
  return out;
}

std::string MissingDenseWarning(const std::string& path) {
  return "WARNING: " + path +
         " has no Dense projection layers (tensors dense_2.weight and dense_3.weight): it was converted "
         "without llama.cpp's --sentence-transformers-dense-modules. Its vectors are mean-pooled hidden "
         "states, NOT EmbeddingGemma's embeddings: they differ from the reference model's (cosine near 0) "
         "and must not be mixed with them. Convert the model again with the Dense layers (gembed convert, "
         "or convert_hf_to_gguf.py --sentence-transformers-dense-modules).";
}

GgufModelInfo ReadGgufModel(const GgufFile& f) {
  GgufModelInfo info;
  info.config = ParseGgufModelConfig(f);
  const ModelConfig& c = info.config;
  info.pooling_type = f.GetU32(Key("pooling_type"), kGgufPoolingMean);
  if (info.pooling_type != kGgufPoolingMean) {
    throw f.Fail(Key("pooling_type") + " is " + std::to_string(info.pooling_type) +
                 "; EmbeddingGemma uses mean pooling (1), the only kind gembed implements");
  }
  info.max_seq_length = c.max_position_embeddings;
  info.name = std::string(f.GetString("general.name", ""));
  if (f.Has("general.file_type")) info.file_type = f.GetU32("general.file_type");

  // The Dense layers: both or neither, 768 → dense_hidden → 768 for EmbeddingGemma.
  const GgufTensor* d2 = f.Find("dense_2.weight");
  const GgufTensor* d3 = f.Find("dense_3.weight");
  if ((d2 == nullptr) != (d3 == nullptr)) {
    throw f.Fail(std::string("has ") + (d2 ? "dense_2.weight but not dense_3.weight" : "dense_3.weight but not dense_2.weight"));
  }
  if (d2 != nullptr) {
    if (d2->shape.size() != 2 || d2->shape[0] > (1 << 30)) {
      throw f.Fail("tensor 'dense_2.weight' has shape " + d2->ShapeString() + "; expected [out, " +
                   std::to_string(c.hidden_size) + "]");
    }
    info.has_dense = true;
    info.dense_hidden = static_cast<int>(d2->shape[0]);
    const std::pair<const char*, int> dims[] = {{"dense_2_feat_in", c.hidden_size},
                                                {"dense_2_feat_out", info.dense_hidden},
                                                {"dense_3_feat_in", info.dense_hidden},
                                                {"dense_3_feat_out", c.hidden_size}};
    for (const auto& [key, want] : dims) {
      if (f.Has(Key(key)) && f.GetU32(Key(key)) != static_cast<uint32_t>(want)) {
        throw f.Fail(Key(key) + " is " + std::to_string(f.GetU32(Key(key))) + " but the Dense tensors imply " +
                     std::to_string(want));
      }
    }
  }

  // Every tensor: the expected ones with their shapes, optional Dense biases, nothing else.
  // A file with too few tensors is refused before the list of names is built.
  if (f.tensors().size() < size_t{13} * c.num_layers + 2) {
    for (int i = 0; i < c.num_layers; ++i) {
      for (const auto& [gguf, hf] : kLayerNames) {
        const std::string name = "blk." + std::to_string(i) + "." + gguf;
        if (f.Find(name) == nullptr) throw f.Fail("tensor '" + name + "' is missing");
      }
    }
    throw f.Fail("tensor 'output_norm.weight' is missing");
  }
  std::map<std::string, std::vector<int64_t>> expected;
  for (GgufTensorSpec& s : ExpectedGgufTensors(c, info.dense_hidden)) expected[s.name] = std::move(s.shape);
  if (info.has_dense) {
    expected["dense_2.bias"] = {info.dense_hidden};
    expected["dense_3.bias"] = {c.hidden_size};
  }
  for (const GgufTensor& t : f.tensors()) {
    auto it = expected.find(t.name);
    if (it == expected.end()) {
      throw f.Fail("unexpected tensor '" + t.name + "' (the metadata describes a " + std::to_string(c.num_layers) +
                   "-layer gemma-embedding model)");
    }
    if (t.shape != it->second) {
      throw f.Fail("tensor '" + t.name + "' has shape " + t.ShapeString() + " but the metadata implies " +
                   ShapeText(it->second));
    }
  }
  for (const auto& [name, shape] : expected) {
    if (name.find(".bias") == std::string::npos && f.Find(name) == nullptr) {
      throw f.Fail("tensor '" + name + "' is missing");
    }
  }

  if (f.Has("gembed.prompt_names") || f.Has("gembed.prompt_texts")) {
    const std::vector<std::string_view> names = f.GetStringArray("gembed.prompt_names");
    const std::vector<std::string_view> texts = f.GetStringArray("gembed.prompt_texts");
    if (names.size() != texts.size()) throw f.Fail("gembed.prompt_names and gembed.prompt_texts differ in length");
    for (size_t i = 0; i < names.size(); ++i) info.prompts.emplace_back(names[i], texts[i]);
  }
  info.default_prompt_name = std::string(f.GetString("gembed.default_prompt_name", ""));
  return info;
}

void WriteGgufModelMetadata(const GgufModelInfo& info, GgufWriter* w) {
  const ModelConfig& c = info.config;
  if (c.attn_logit_softcap != 0) {
    throw Error("cannot write a gemma-embedding GGUF for a model with attention logit softcapping: llama.cpp "
                "ignores it for this architecture");
  }
  if (c.hidden_size <= 0 || c.num_layers <= 0 || c.num_heads <= 0 || c.num_kv_heads <= 0 || c.head_dim <= 0 ||
      c.intermediate_size <= 0 || c.sliding_window <= 0 || c.layer_types.size() != static_cast<size_t>(c.num_layers)) {
    throw Error("cannot write GGUF metadata for an incomplete model config");
  }
  w->SetString("general.architecture", kGgufEmbeddingGemmaArch);
  if (!info.name.empty()) w->SetString("general.name", info.name);
  w->SetU32("general.quantization_version", 2);  // GGML_QNT_VERSION
  if (info.file_type.has_value()) w->SetU32("general.file_type", *info.file_type);
  const int context = c.max_position_embeddings > 0 ? c.max_position_embeddings
                      : info.max_seq_length > 0      ? info.max_seq_length
                                                     : 2048;
  w->SetU32(Key("context_length"), static_cast<uint32_t>(context));
  w->SetU32(Key("embedding_length"), static_cast<uint32_t>(c.hidden_size));
  w->SetU32(Key("block_count"), static_cast<uint32_t>(c.num_layers));
  w->SetU32(Key("feed_forward_length"), static_cast<uint32_t>(c.intermediate_size));
  w->SetU32(Key("attention.head_count"), static_cast<uint32_t>(c.num_heads));
  w->SetU32(Key("attention.head_count_kv"), static_cast<uint32_t>(c.num_kv_heads));
  w->SetU32(Key("attention.key_length"), static_cast<uint32_t>(c.head_dim));
  w->SetU32(Key("attention.value_length"), static_cast<uint32_t>(c.head_dim));
  w->SetF32(Key("attention.layer_norm_rms_epsilon"), static_cast<float>(c.rms_norm_eps));
  w->SetF32(Key("rope.freq_base"), static_cast<float>(c.rope_theta_full));
  w->SetU32(Key("attention.sliding_window"), static_cast<uint32_t>(c.sliding_window));
  w->SetU32(Key("pooling_type"), info.pooling_type);
  if (info.has_dense) {
    w->SetU32(Key("dense_2_feat_in"), static_cast<uint32_t>(c.hidden_size));
    w->SetU32(Key("dense_2_feat_out"), static_cast<uint32_t>(info.dense_hidden));
    w->SetU32(Key("dense_3_feat_in"), static_cast<uint32_t>(info.dense_hidden));
    w->SetU32(Key("dense_3_feat_out"), static_cast<uint32_t>(c.hidden_size));
  }

  // The converter writes this one too when the HF config has rope_parameters; llama.cpp
  // (this version) fixes 10000 for gemma-embedding's sliding layers.
  w->SetF32(Key("rope.freq_base_swa"), static_cast<float>(c.rope_theta_sliding));
  // Where the model differs from what llama.cpp assumes for gemma-embedding.
  bool every_sixth = true;
  for (int i = 0; i < c.num_layers; ++i) {
    every_sixth = every_sixth && (c.layer_types[i] == ((i + 1) % 6 == 0 ? LayerType::kFull : LayerType::kSliding));
  }
  if (!every_sixth) {
    std::vector<bool> sliding;
    for (LayerType t : c.layer_types) sliding.push_back(t == LayerType::kSliding);
    w->SetBoolArray(Key("attention.sliding_window_pattern"), sliding);
  }
  if (c.query_pre_attn_scalar != c.head_dim) {
    w->SetF32("gembed.query_pre_attn_scalar", static_cast<float>(c.query_pre_attn_scalar));
  }
  if (!info.prompts.empty()) {
    std::vector<std::string> names, texts;
    for (const auto& [name, text] : info.prompts) {
      names.push_back(name);
      texts.push_back(text);
    }
    w->SetStringArray("gembed.prompt_names", names);
    w->SetStringArray("gembed.prompt_texts", texts);
  }
  if (!info.default_prompt_name.empty()) w->SetString("gembed.default_prompt_name", info.default_prompt_name);
}

}  // namespace gembed
