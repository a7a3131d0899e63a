// A GGUF EmbeddingGemma file seen the way the rest of gembed sees a Hugging Face folder:
// its tensors under HF names (with the RMSNorm weights turned back from GGUF's 1 + w into
// w), so the encoder, the Dense layers and the exporter need no GGUF-specific code.
#pragma once

#include <memory>
#include <string>

#include "io/gguf_file.h"
#include "io/safetensors.h"
#include "model/gguf_model.h"

namespace gembed {

struct GgufModelStore {
  std::shared_ptr<const GgufFile> file;
  GgufModelInfo info;
  // HF-named views of the encoder ("embed_tokens.weight", "layers.N.…", "norm.weight"),
  // and of the head when present ("2_Dense/linear.weight", "3_Dense/linear.weight", + ".bias").
  std::shared_ptr<const TensorStore> encoder;
  std::shared_ptr<const TensorStore> head;
};

// Maps and validates `path` (ReadGgufModel); throws gembed::Error naming it.
GgufModelStore OpenGgufModel(const std::string& path);

// Whether `path` is a regular file starting with the GGUF magic.
bool IsGgufFile(const std::string& path);

}  // namespace gembed
