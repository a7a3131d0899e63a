// Writes embeddings in the formats of `gembed embed --format`:
//   jsonl  one line per input: {"embedding": […], "tokens": N, "truncated": false}
//   json   one JSON array of those objects
//   f32    raw little-endian float32, rows of `dim` values, no header
//   npy    a NumPy .npy (v1.0) float32 array of shape (inputs, dim)
// Floats are printed in their shortest round-trip form. jsonl/json/f32 stream; npy buffers
// the rows because its header states the row count.
//
// Quantised rows (`embed --precision`, see embedder/output_quantization.h) go through
// WriteQuantized: jsonl/json print them as integer lists (int8 and binary signed, uint8 and
// ubinary unsigned), npy stores an int8 ('|i1') or uint8 ('|u1') array of shape
// (inputs, bytes per row). f32 takes float32 rows only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "embedder/embedder.h"
#include "embedder/output_quantization.h"

namespace gembed::cli {

enum class OutputFormat { kJsonl, kJson, kF32, kNpy };
OutputFormat ParseOutputFormat(const std::string& name);  // throws gembed::Error

class EmbeddingWriter {
 public:
  // `precision` is what the rows will be: float32 rows come through Write, the others
  // through WriteQuantized. Throws gembed::Error for f32 with a quantised precision.
  EmbeddingWriter(std::FILE* out, OutputFormat format, Precision precision = Precision::kFloat32);
  void Write(const EmbedResult& r);
  // One row of QuantizedRowBytes(dim, precision) bytes, with its result's token counts.
  void WriteQuantized(std::span<const uint8_t> row, int tokens, bool truncated);
  void Finish();  // completes json/npy; flushes

 private:
  // Starts a row of `width` values: checks every row has the same width.
  void BeginRow(size_t width);
  void WriteJsonRow(const std::string& values, int tokens, bool truncated);

  std::FILE* out_;
  OutputFormat format_;
  Precision precision_;
  size_t count_ = 0;
  size_t dim_ = 0;                // values per row (bytes per row when quantised)
  std::vector<uint8_t> buffered_;  // npy rows, as they will be stored
};

// Appends the shortest decimal form of v that reads back as the same float.
void AppendFloat(std::string* s, float v);
// Appends v as a JSON string literal (quotes and escapes).
void AppendJsonString(std::string* s, std::string_view v);

}  // namespace gembed::cli
