#include "embedder/model_folder.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/mapped_file.h"
#include "embedder/embeddinggemma_prompts.h"
#include "embedder/gguf_model_store.h"
#include "io/json_file.h"
#include "tokenizer/gguf_vocab.h"

namespace gembed {
namespace {

using nlohmann::json;

std::string Join(const std::string& dir, const std::string& sub) { return sub.empty() ? dir : dir + "/" + sub; }

// The <bos>/<eos> template. transformers' GemmaTokenizerFast (what sentence-transformers
// loads for tokenizer_class GemmaTokenizer) rebuilds the post-processor in its constructor
// from add_bos_token (default true) and add_eos_token (default false), so those flags —
// not tokenizer.json's TemplateProcessing — decide. EmbeddingGemma's config sets both.
void ApplyTokenizerConfig(Tokenizer& tok, const std::string& path) {
  if (!FileExists(path)) return;  // no config: tokenizer.json's own post-processor stands
  const json j = ReadJsonFile(path);
  if (!j.is_object()) throw Error(path + ": not a JSON object");
  const std::string cls = j.value("tokenizer_class", std::string());
  if (cls != "GemmaTokenizer" && cls != "GemmaTokenizerFast") return;
  auto flag = [&](const char* key, bool fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_boolean()) throw Error(path + ": \"" + key + "\" must be true or false");
    return j[key].get<bool>();
  };
  auto token_id = [&](const char* key, const char* fallback) {
    std::string content = fallback;
    if (j.contains(key) && j[key].is_string()) content = j[key].get<std::string>();
    if (j.contains(key) && j[key].is_object() && j[key].contains("content") && j[key]["content"].is_string()) {
      content = j[key]["content"].get<std::string>();
    }
    const int32_t id = tok.TokenToId(content);
    if (id < 0) throw Error(path + ": " + key + " '" + content + "' is not in tokenizer.json");
    return id;
  };
  std::vector<int32_t> prefix, suffix;
  if (flag("add_bos_token", true)) prefix.push_back(token_id("bos_token", "<bos>"));
  if (flag("add_eos_token", false)) suffix.push_back(token_id("eos_token", "<eos>"));
  tok.SetTemplate(std::move(prefix), std::move(suffix));
}

void LoadTransformer(ModelFolder& m, const std::string& dir, const WeightPlan& plan, bool with_weights) {
  const std::string cfg_path = dir + "/config.json";
  if (!FileExists(cfg_path)) throw Error("missing file " + cfg_path + " (the encoder's config)");
  m.config = ParseModelConfig(ReadTextFile(cfg_path), cfg_path);
  if (with_weights) {
    std::shared_ptr<const TensorStore> store = TensorStore::Open(dir);
    m.encoder = std::make_unique<Encoder>(m.config, store, plan);
    m.weights_dtype = m.encoder->embedding_table().dtype_name;
  }

  const std::string sb_path = dir + "/sentence_bert_config.json";
  m.max_seq_length = m.config.max_position_embeddings > 0 ? m.config.max_position_embeddings : 2048;
  if (FileExists(sb_path)) {
    const json sb = ReadJsonFile(sb_path);
    if (sb.contains("max_seq_length") && !sb["max_seq_length"].is_null()) {
      if (!sb["max_seq_length"].is_number_integer() || sb["max_seq_length"].get<long long>() < 3 ||
          sb["max_seq_length"].get<long long>() > (1 << 20)) {
        throw Error(sb_path + ": \"max_seq_length\" must be an integer ≥ 3");
      }
      m.max_seq_length = sb["max_seq_length"].get<int>();
    }
    if (sb.value("do_lower_case", false)) throw Error(sb_path + ": do_lower_case=true is not supported");
  }
  const std::string tok_path = dir + "/tokenizer.json";
  if (FileExists(tok_path)) {
    m.tokenizer = Tokenizer::FromFile(tok_path);
    ApplyTokenizerConfig(*m.tokenizer, dir + "/tokenizer_config.json");
  }
}

void LoadPrompts(ModelFolder& m, const std::string& dir) {
  const std::string path = dir + "/config_sentence_transformers.json";
  if (!FileExists(path)) return;  // no prompts: only raw prompts can be used
  const json j = ReadJsonFile(path);
  if (j.contains("prompts") && !j["prompts"].is_null()) {
    if (!j["prompts"].is_object()) throw Error(path + ": \"prompts\" is not an object");
    for (auto it = j["prompts"].begin(); it != j["prompts"].end(); ++it) {
      if (!it.value().is_string()) throw Error(path + ": prompt \"" + it.key() + "\" is not a string");
      m.prompts[it.key()] = it.value().get<std::string>();
    }
  }
  if (j.contains("default_prompt_name") && j["default_prompt_name"].is_string()) {
    const std::string name = j["default_prompt_name"].get<std::string>();
    if (!m.prompts.count(name)) throw Error(path + ": default_prompt_name '" + name + "' is not among the prompts");
    m.default_prompt_name = name;
  }
}

}  // namespace

// The Dense layers' packed type: the plan's feed-forward type ("mixed": int4 projections);
// under "auto" bf16 stays bf16, other quantised types stay quantised, the rest is f32. A
// row length that is not whole blocks keeps f32.
static void PackDense(DenseLayer& d, const WeightPlan& plan) {
  WeightType t = plan.ffn;
  if (plan.keep_stored && !ParseWeightType(d.dtype == "BF16" ? "bf16" : d.dtype == "Q8_0" ? "q8_0" : d.dtype == "Q4_0" ? "q4_0" : "f32", &t)) {
    t = WeightType::kF32;
  }
  if ((t == WeightType::kQ8_0 || t == WeightType::kQ4_0) && d.in_features % 32 != 0) t = WeightType::kF32;
  d.Pack(t, plan.activations);
}

// A single GGUF file (llama.cpp / Ollama): hyper-parameters, weights, tokenizer, prompts and
// the Dense head all come from it; pooling is mean and the output is normalised, as
// EmbeddingGemma's pipeline does.
static ModelFolder LoadGguf(const std::string& path, const WeightPlan& plan, bool with_weights) {
  GgufModelStore g = OpenGgufModel(path);
  ModelFolder m;
  m.path = path;
  m.config = g.info.config;
  if (with_weights) {
    m.encoder = std::make_unique<Encoder>(m.config, g.encoder, plan);
    m.weights_dtype = m.encoder->embedding_table().dtype_name;
  }
  m.pooling.dimension = m.config.hidden_size;
  if (g.info.has_dense) {
    for (const char* name : {"2_Dense/linear", "3_Dense/linear"}) {
      const TensorView* w = g.head->Find(std::string(name) + ".weight");
      DenseLayer d = DenseLayer::FromTensors(*w, g.head->Find(std::string(name) + ".bias"), DenseLayer::Activation::kIdentity);
      if (with_weights) PackDense(d, plan);
      m.dense.push_back(std::move(d));
    }
  } else {
    std::fprintf(stderr, "%s\n", MissingDenseWarning(path).c_str());
  }
  m.normalize = true;
  m.max_seq_length = g.info.max_seq_length > 0 ? g.info.max_seq_length : 2048;
  for (const auto& [name, text] : g.info.prompts) m.prompts[name] = text;
  if (m.prompts.empty()) {
    // llama.cpp's converter keeps no prompts; a file from it gets EmbeddingGemma's own set
    // (google/embeddinggemma-300m, config_sentence_transformers.json), so `--prompt query`
    // means the same with a GGUF file as with the folder.
    for (const auto& [name, text] : EmbeddingGemmaPrompts()) m.prompts[name] = text;
  }
  if (!g.info.default_prompt_name.empty()) m.default_prompt_name = g.info.default_prompt_name;
  // A file converted from a model without a tokenizer (token ids only) has no vocabulary.
  if (g.file->Has("tokenizer.ggml.tokens")) m.tokenizer = TokenizerFromGguf(*g.file);
  return m;
}

std::unique_ptr<Tokenizer> LoadModelTokenizer(const std::string& path) {
  if (IsGgufFile(path)) return TokenizerFromGguf(GgufFile(path));
  const std::string tok_path = path + "/tokenizer.json";
  if (!FileExists(tok_path)) throw Error("no tokenizer in " + path + ": expected " + tok_path + " or a GGUF file");
  auto tok = Tokenizer::FromFile(tok_path);
  ApplyTokenizerConfig(*tok, path + "/tokenizer_config.json");
  return tok;
}

ModelFolder ModelFolder::Load(const std::string& dir, const std::string& weights, bool with_weights,
                              const std::string& activations) {
  const WeightPlan plan = WeightPlan::Parse(weights, activations);  // a bad name fails before any loading
  if (IsGgufFile(dir)) return LoadGguf(dir, plan, with_weights);
  ModelFolder m;
  m.path = dir;
  const std::string modules_path = dir + "/modules.json";
  if (!FileExists(modules_path)) {
    throw Error("missing file " + modules_path + ": gembed needs the sentence-transformers folder layout "
                "(modules.json, 1_Pooling, 2_Dense, 3_Dense) as google/embeddinggemma-300m publishes it");
  }
  const json modules = ReadJsonFile(modules_path);
  if (!modules.is_array() || modules.empty()) throw Error(modules_path + ": expected a non-empty array of modules");

  bool have_transformer = false, have_pooling = false;
  for (const json& mod : modules) {
    if (!mod.is_object() || !mod.contains("type") || !mod["type"].is_string()) {
      throw Error(modules_path + ": every module needs a \"type\" string");
    }
    const std::string type = mod["type"].get<std::string>();
    const std::string sub = mod.contains("path") && mod["path"].is_string() ? mod["path"].get<std::string>() : "";
    if (sub.find("..") != std::string::npos || (!sub.empty() && sub[0] == '/')) {
      throw Error(modules_path + ": module path '" + sub + "' must stay inside the folder");
    }
    const std::string mdir = Join(dir, sub);
    auto order = [&](bool ok, const char* what) {
      if (!ok) throw Error(modules_path + ": module " + type + " comes before " + what);
    };
    if (type == "sentence_transformers.models.Transformer") {
      if (have_transformer) throw Error(modules_path + ": more than one Transformer module");
      LoadTransformer(m, mdir, plan, with_weights);
      LoadPrompts(m, dir);
      have_transformer = true;
    } else if (type == "sentence_transformers.models.Pooling") {
      order(have_transformer && !have_pooling, "the Transformer (or twice)");
      m.pooling = PoolingConfig::Load(mdir);
      if (m.pooling.dimension != m.config.hidden_size) {
        throw Error(mdir + "/config.json: word_embedding_dimension " + std::to_string(m.pooling.dimension) +
                    " differs from hidden_size " + std::to_string(m.config.hidden_size) + " in config.json");
      }
      have_pooling = true;
    } else if (type == "sentence_transformers.models.Dense") {
      order(have_pooling && !m.normalize, "Pooling, or after Normalize");
      DenseLayer d = DenseLayer::Load(mdir);
      const int in = m.dense.empty() ? m.config.hidden_size : m.dense.back().out_features;
      if (d.in_features != in) {
        throw Error(mdir + "/config.json: in_features " + std::to_string(d.in_features) + " but the previous module gives " +
                    std::to_string(in));
      }
      if (with_weights) PackDense(d, plan);
      m.dense.push_back(std::move(d));
    } else if (type == "sentence_transformers.models.Normalize") {
      order(have_pooling, "Pooling");
      m.normalize = true;
    } else {
      throw Error(modules_path + ": module type '" + type + "' is not supported");
    }
  }
  if (!have_transformer) throw Error(modules_path + ": no sentence_transformers.models.Transformer module");
  if (!have_pooling) throw Error(modules_path + ": no sentence_transformers.models.Pooling module");
  return m;
}

int ModelFolder::output_dim() const { return dense.empty() ? config.hidden_size : dense.back().out_features; }

}  // namespace gembed
