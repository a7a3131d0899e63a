#include "index/model_identity.h"

#include <cmath>
#include <cstdio>

#include "embedder/embedder.h"
#include "index/sources.h"

namespace gembed::index {

bool ModelIdentity::SameModel(const ModelIdentity& other) const {
  if (structure != other.structure || probe.size() != other.probe.size() || probe.empty()) return false;
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < probe.size(); ++i) {
    ab += double(probe[i]) * other.probe[i];
    aa += double(probe[i]) * probe[i];
    bb += double(other.probe[i]) * other.probe[i];
  }
  return aa > 0 && bb > 0 && ab / std::sqrt(aa * bb) >= 0.95;
}

std::string FingerprintOf(const std::string& structure, const std::vector<float>& probe) {
  // Rounded so that tiny numeric differences (threads, kernels) keep the same digest.
  std::string s = structure;
  char buf[32];
  for (float x : probe) {
    std::snprintf(buf, sizeof buf, " %.2f", x);
    s += buf;
  }
  return Sha256Hex(s).substr(0, 16);
}

ModelIdentity IdentifyModel(const Embedder& embedder, const std::string& model_path) {
  const ModelFolder& m = embedder.model();
  ModelIdentity id;
  id.model = model_path;
  const ModelConfig& c = m.config;
  id.structure = "hidden=" + std::to_string(c.hidden_size) + " layers=" + std::to_string(c.num_layers) +
                 " heads=" + std::to_string(c.num_heads) + "/" + std::to_string(c.num_kv_heads) +
                 " head_dim=" + std::to_string(c.head_dim) + " ffn=" + std::to_string(c.intermediate_size) +
                 " vocab=" + std::to_string(c.vocab_size);
  for (const DenseLayer& d : m.dense) id.structure += " dense=" + std::to_string(d.in_features) + "x" + std::to_string(d.out_features);
  id.structure += " out=" + std::to_string(embedder.output_dim());
  // <bos> a few ordinary ids <eos>: valid in every vocabulary of 512 ids or more.
  EmbedInput probe;
  probe.ids = std::vector<int32_t>{2, 10, 100, 300, 450, 1};
  id.probe = embedder.Embed({probe})[0].embedding;
  id.fingerprint = FingerprintOf(id.structure, id.probe);
  return id;
}

}  // namespace gembed::index
