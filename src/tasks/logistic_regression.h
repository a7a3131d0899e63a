// Multinomial logistic regression (softmax regression) on embeddings: the classifier of
// `gembed classify`. Features are standardised (per-dimension mean and scale, kept with
// the model) because embedding dimensions differ widely in spread, which would otherwise
// make the optimiser crawl. Training minimises
//   (1/n) Σ −log softmax(W·z_i + b)[y_i]  +  (l2/2)·‖W‖²        (the bias is not penalised)
// with full-batch L-BFGS: deterministic, no learning rate to tune, and quick for the
// thousands of items × hundreds of dimensions this is for.
#pragma once

#include <string>
#include <vector>

#include "tasks/embedding_matrix.h"

namespace gembed {
class ThreadPool;
}

namespace gembed::tasks {

struct SoftmaxClassifier {
  std::vector<std::string> labels;  // class index → label
  size_t dim = 0;
  std::vector<float> mean, scale;   // z = (x − mean) / scale, per dimension
  std::vector<float> weights;       // classes × dim, on z
  std::vector<float> bias;          // classes

  size_t classes() const { return labels.size(); }
  // Class probabilities of one embedding of `dim` floats.
  std::vector<double> Probabilities(const float* x) const;
  // The most probable class (ties: the lower index) and its probability.
  size_t Predict(const float* x, double* probability = nullptr) const;
};

struct TrainOptions {
  double l2 = 1e-3;
  int max_iter = 500;
  double tolerance = 1e-6;  // stop when the largest gradient component is below this
};

struct TrainStats {
  int iterations = 0;
  double loss = 0;  // final objective
};

// y[i] is the class index (into `labels`) of row i. Throws gembed::Error for fewer than two
// classes, an empty matrix or a y out of range. The result is the same with or without a
// pool, for any number of threads.
SoftmaxClassifier TrainSoftmaxRegression(const EmbeddingMatrix& x, const std::vector<int>& y, std::vector<std::string> labels,
                                         const TrainOptions& options = {}, TrainStats* stats = nullptr, ThreadPool* pool = nullptr);

}  // namespace gembed::tasks
