// Writes a model (a Hugging Face folder or a GGUF file) as a GGUF file that llama.cpp,
// Ollama and gembed load: `gembed convert` and `gembed quantize`.
#pragma once

#include <string>

namespace gembed {

// Types of the written matrices:
//   auto  each tensor as stored (f32 stays f32, bf16 stays bf16, quantised GGUF tensors are
//         copied unchanged; f16 stays f16)
//   f32 | f16 | bf16 | q8_0 | q4_0   every matrix (embeddings, layers, Dense head)
//   mixed the paper's scheme: int8 (q8_0) attention, int4 (q4_0) embeddings, feed-forward
//         and projections
// Norm weights are always f32 (stored as 1 + w, llama.cpp's convention). Quantising uses
// the grid-preserving rounding (kernels/quant.h), so a QAT checkpoint keeps its grid; a
// tensor already in the target type is copied, never re-quantised.
struct GgufExportResult {
  size_t bytes = 0;
  int tensors = 0;
};
GgufExportResult ExportGguf(const std::string& model_path, const std::string& out_path, const std::string& type);

}  // namespace gembed
