// Embeddings of many items as one row-major matrix, and the dot product every task uses.
// Rows are unit vectors when they come from EmbeddingGemma (it normalises), so a dot
// product is the cosine similarity; the task math assumes unit rows and says so.
#pragma once

#include <cstddef>
#include <vector>

namespace gembed::tasks {

struct EmbeddingMatrix {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<float> data;  // rows × dim

  const float* row(size_t i) const { return data.data() + i * dim; }
  float* row(size_t i) { return data.data() + i * dim; }
  void Append(const std::vector<float>& v);  // the first row fixes dim; throws on a mismatch
};

// Σ a[i]·b[i] over n floats, in eight interleaved partial sums (vectorisable, and the same
// order of operations wherever it is called, so one pair always gets the same score).
float Dot(const float* a, const float* b, size_t n);

// Scales every row to unit length (rows of zeros stay zero).
void NormalizeRows(EmbeddingMatrix* m);

}  // namespace gembed::tasks
