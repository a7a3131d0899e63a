#include "cli/precision_output.h"

#include <span>

#include "base/error.h"

namespace gembed::cli {

PrecisionOutput::PrecisionOutput(EmbeddingWriter* writer, Precision precision, std::optional<QuantizationRanges> ranges)
    : writer_(writer), precision_(precision), ranges_(std::move(ranges)) {
  hold_ = (precision == Precision::kInt8 || precision == Precision::kUint8) && !ranges_;
}

void PrecisionOutput::WriteRows(const float* rows, size_t n, size_t dim, const std::vector<EmbedResult>* meta) {
  const std::vector<uint8_t> q = QuantizeEmbeddings(rows, n, dim, precision_, ranges_ ? &*ranges_ : nullptr);
  const size_t row_bytes = QuantizedRowBytes(dim, precision_);
  for (size_t i = 0; i < n; ++i) {
    writer_->WriteQuantized(std::span<const uint8_t>(q.data() + i * row_bytes, row_bytes), (*meta)[i].tokens, (*meta)[i].truncated);
  }
}

void PrecisionOutput::Write(const std::vector<EmbedResult>& results) {
  if (precision_ == Precision::kFloat32) {
    for (const EmbedResult& r : results) writer_->Write(r);
    return;
  }
  if (results.empty()) return;
  if (dim_ == 0) dim_ = results[0].embedding.size();
  std::vector<float> rows;
  rows.reserve(results.size() * dim_);
  for (const EmbedResult& r : results) {
    if (r.embedding.size() != dim_) throw Error("embeddings of different dimensions in one output");
    rows.insert(rows.end(), r.embedding.begin(), r.embedding.end());
  }
  if (hold_) {
    held_.insert(held_.end(), rows.begin(), rows.end());
    for (const EmbedResult& r : results) held_meta_.push_back({.tokens = r.tokens, .input_tokens = r.input_tokens, .truncated = r.truncated});
    return;
  }
  WriteRows(rows.data(), results.size(), dim_, &results);
}

void PrecisionOutput::Finish() {
  if (hold_ && !held_meta_.empty()) WriteRows(held_.data(), held_meta_.size(), dim_, &held_meta_);
  writer_->Finish();
}

}  // namespace gembed::cli
