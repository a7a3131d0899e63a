#include "tasks/embedding_matrix.h"

#include <cmath>
#include <string>

#include "base/error.h"

namespace gembed::tasks {

void EmbeddingMatrix::Append(const std::vector<float>& v) {
  if (rows == 0 && data.empty()) dim = v.size();
  if (v.size() != dim) {
    throw Error("embedding of " + std::to_string(v.size()) + " values where " + std::to_string(dim) + " were expected");
  }
  data.insert(data.end(), v.begin(), v.end());
  ++rows;
}

float Dot(const float* a, const float* b, size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  for (; i < n; ++i) acc[i % 8] += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void NormalizeRows(EmbeddingMatrix* m) {
  for (size_t r = 0; r < m->rows; ++r) {
    float* x = m->row(r);
    double ss = 0;
    for (size_t i = 0; i < m->dim; ++i) ss += double(x[i]) * x[i];
    if (ss <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(ss));
    for (size_t i = 0; i < m->dim; ++i) x[i] *= inv;
  }
}

}  // namespace gembed::tasks
