// gembed info: what a model folder holds — shapes, attention layout, prompts, dtypes.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "embedder/model_folder.h"

namespace gembed::cli {

int RunInfo(const InfoArgs& args) {
  const ModelFolder m = ModelFolder::Load(ResolveModelPath(args.model));
  const ModelConfig& c = m.config;
  long long params = c.NumParameters();
  for (const DenseLayer& d : m.dense) params += static_cast<long long>(d.weight.size() + d.bias.size());
  std::string layers;
  for (LayerType t : c.layer_types) layers += t == LayerType::kFull ? 'F' : 's';
  std::vector<int> matryoshka;
  for (int d : {768, 512, 256, 128}) {
    if (d <= m.output_dim()) matryoshka.push_back(d);
  }

  nlohmann::ordered_json j;
  j["path"] = m.path;
  j["parameters"] = params;
  j["hidden_size"] = c.hidden_size;
  j["layers"] = c.num_layers;
  j["layer_types"] = layers;
  j["attention_heads"] = c.num_heads;
  j["kv_heads"] = c.num_kv_heads;
  j["head_dim"] = c.head_dim;
  j["intermediate_size"] = c.intermediate_size;
  j["vocab_size"] = c.vocab_size;
  j["sliding_window"] = c.sliding_window;
  j["window_radius"] = c.window_radius();
  j["rope_theta_full"] = c.rope_theta_full;
  j["rope_theta_sliding"] = c.rope_theta_sliding;
  j["query_pre_attn_scalar"] = c.query_pre_attn_scalar;
  j["max_seq_length"] = m.max_seq_length;
  j["output_dim"] = m.output_dim();
  j["matryoshka_dims"] = matryoshka;
  std::vector<std::string> dense;
  for (const DenseLayer& d : m.dense) dense.push_back(std::to_string(d.in_features) + "→" + std::to_string(d.out_features) + " " + d.dtype);
  j["dense"] = dense;
  j["normalize"] = m.normalize;
  j["weights_dtype"] = m.weights_dtype;
  j["config_dtype"] = c.dtype;
  j["tokenizer"] = m.tokenizer != nullptr;
  j["prompts"] = m.prompts;
  j["default_prompt_name"] = m.default_prompt_name ? nlohmann::ordered_json(*m.default_prompt_name) : nullptr;

  if (args.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "model:            " << m.path << "\n"
            << "parameters:       " << params << " (" << params / 1000000 << "M)\n"
            << "hidden size:      " << c.hidden_size << "\n"
            << "layers:           " << c.num_layers << " (" << layers << "; s = sliding, F = full attention)\n"
            << "heads:            " << c.num_heads << " query, " << c.num_kv_heads << " key/value, head_dim " << c.head_dim << "\n"
            << "ffn size:         " << c.intermediate_size << "\n"
            << "vocabulary:       " << c.vocab_size << "\n"
            << "sliding window:   " << c.sliding_window << " (tokens see |i-j| <= " << c.window_radius() << ")\n"
            << "rope bases:       " << c.rope_theta_full << " full, " << c.rope_theta_sliding << " sliding\n"
            << "max tokens:       " << m.max_seq_length << "\n"
            << "output dim:       " << m.output_dim() << " (Matryoshka:";
  for (int d : matryoshka) std::cout << " " << d;
  std::cout << ")\n"
            << "dense:            ";
  for (size_t i = 0; i < dense.size(); ++i) std::cout << (i ? ", " : "") << dense[i];
  std::cout << "\n"
            << "weights dtype:    " << m.weights_dtype << " (config: " << c.dtype << ")\n"
            << "tokenizer:        " << (!m.tokenizer ? "none (token ids only)" : m.path.size() > 5 && m.path.substr(m.path.size() - 5) == ".gguf" ? "GGUF metadata" : "tokenizer.json") << "\n"
            << "prompts:";
  if (m.prompts.empty()) std::cout << " none";
  std::cout << "\n";
  for (const auto& [name, text] : m.prompts) std::cout << "  " << name << ": \"" << text << "\"\n";
  return 0;
}

}  // namespace gembed::cli
