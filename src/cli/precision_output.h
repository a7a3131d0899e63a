// `gembed embed --precision`: embeddings on their way to the EmbeddingWriter are quantised
// (embedder/output_quantization.h, sentence-transformers' quantize_embeddings).
//
// float32 rows pass straight through; binary/ubinary rows, and int8/uint8 rows with
// calibration ranges, are quantised and written as they come (streaming). int8/uint8 without
// calibration take their ranges from all the embeddings of the run, as
// sentence-transformers does, so those rows are held until Finish — memory grows with the
// input (4 bytes per dimension per input); pass --calibration to stream instead.
#pragma once

#include <optional>
#include <vector>

#include "cli/output_writer.h"
#include "embedder/output_quantization.h"

namespace gembed::cli {

class PrecisionOutput {
 public:
  // `ranges`: int8/uint8 calibration (nullopt: from the embeddings themselves).
  PrecisionOutput(EmbeddingWriter* writer, Precision precision, std::optional<QuantizationRanges> ranges);
  void Write(const std::vector<EmbedResult>& results);
  void Finish();  // writes any held rows, then finishes the writer

 private:
  void WriteRows(const float* rows, size_t n, size_t dim, const std::vector<EmbedResult>* meta_source);

  EmbeddingWriter* writer_;
  Precision precision_;
  std::optional<QuantizationRanges> ranges_;
  bool hold_ = false;               // int8/uint8 without ranges
  size_t dim_ = 0;
  std::vector<float> held_;         // held rows
  std::vector<EmbedResult> held_meta_;  // their token counts (embedding left empty)
};

}  // namespace gembed::cli
