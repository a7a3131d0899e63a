// Writes embeddings in the formats of `gembed embed --format`:
//   jsonl  one line per input: {"embedding": […], "tokens": N, "truncated": false}
//   json   one JSON array of those objects
//   f32    raw little-endian float32, rows of `dim` values, no header
//   npy    a NumPy .npy (v1.0) float32 array of shape (inputs, dim)
// Floats are printed in their shortest round-trip form. jsonl/json/f32 stream; npy buffers
// the rows because its header states the row count.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "embedder/embedder.h"

namespace gembed::cli {

enum class OutputFormat { kJsonl, kJson, kF32, kNpy };
OutputFormat ParseOutputFormat(const std::string& name);  // throws gembed::Error

class EmbeddingWriter {
 public:
  EmbeddingWriter(std::FILE* out, OutputFormat format);
  void Write(const EmbedResult& r);
  void Finish();  // completes json/npy; flushes

 private:
  std::FILE* out_;
  OutputFormat format_;
  size_t count_ = 0;
  size_t dim_ = 0;
  std::vector<float> buffered_;  // npy rows
};

// Appends the shortest decimal form of v that reads back as the same float.
void AppendFloat(std::string* s, float v);
// Appends v as a JSON string literal (quotes and escapes).
void AppendJsonString(std::string* s, std::string_view v);

}  // namespace gembed::cli
