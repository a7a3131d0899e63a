// Which model built a collection. Vectors from two different models live in unrelated
// spaces, so a collection refuses to be searched or extended with another model.
//
// The identity has two parts: `structure` (encoder shape, vocabulary, Dense layers, output
// dimension — differs between most models) and `probe`, the embedding of a fixed token-id
// sequence. Two checkpoints of one shape still give unrelated probes (cosine ≈ 0), while the
// same model loaded as a GGUF file or with quantised weights gives a probe within cosine
// 0.95 — so re-quantising a model does not lock users out of their collections.
#pragma once

#include <string>
#include <vector>

namespace gembed {
class Embedder;
}

namespace gembed::index {

struct ModelIdentity {
  std::string model;        // the path (or name) it was loaded from, for messages
  std::string structure;    // "hidden=32 layers=6 … out=32"
  std::vector<float> probe; // full-dimension embedding of the probe ids
  std::string fingerprint;  // short hex digest of structure + probe, for messages

  // True when `other` is the same model (see above).
  bool SameModel(const ModelIdentity& other) const;
};

ModelIdentity IdentifyModel(const Embedder& embedder, const std::string& model_path);
// The fingerprint of structure + probe (exposed so a stored identity can be re-derived).
std::string FingerprintOf(const std::string& structure, const std::vector<float>& probe);

}  // namespace gembed::index
