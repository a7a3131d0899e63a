#include "tasks/logistic_regression.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <string>

#include "base/error.h"
#include "base/thread_pool.h"

namespace gembed::tasks {

namespace {

// log Σ exp(v) and v ← softmax(v), stable.
double SoftmaxInPlace(std::vector<double>& v) {
  const double mx = *std::max_element(v.begin(), v.end());
  double s = 0;
  for (double& x : v) s += (x = std::exp(x - mx));
  for (double& x : v) x /= s;
  return mx + std::log(s);
}

// Σ a[j]·b[j] in four interleaved partial sums (vectorisable; a fixed order).
double Dot4(const double* a, const double* b, size_t n) {
  double acc[4] = {0, 0, 0, 0};
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    for (int t = 0; t < 4; ++t) acc[t] += a[j + t] * b[j + t];
  }
  for (; j < n; ++j) acc[0] += a[j] * b[j];
  return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

// The objective over standardised features z (n × d), and its gradient. θ = [W (C×d), b (C)].
// Rows are processed in fixed chunks, in parallel when a pool is given, each into its own
// partial sums, which are then added in chunk order: the result does not depend on the
// number of threads.
struct Objective {
  static constexpr size_t kChunk = 256;
  const std::vector<double>& z;
  const std::vector<int>& y;
  size_t n, d, c;
  double l2;
  ThreadPool* pool;

  // Loss and gradient (unscaled sums) of rows [r0, r1) into part (c·d + c + 1 doubles, the
  // last one the loss).
  void Rows(const double* w, const double* b, size_t r0, size_t r1, double* part) const {
    std::vector<double> logits(c);
    double* gw = part;
    double* gb = part + c * d;
    double loss = 0;
    for (size_t i = r0; i < r1; ++i) {
      const double* zi = z.data() + i * d;
      for (size_t k = 0; k < c; ++k) logits[k] = b[k] + Dot4(w + k * d, zi, d);
      const double correct = logits[y[i]];
      loss += SoftmaxInPlace(logits) - correct;
      logits[y[i]] -= 1.0;  // now p − onehot: the gradient of the loss in the logits
      for (size_t k = 0; k < c; ++k) {
        const double g = logits[k];
        gb[k] += g;
        double* gwk = gw + k * d;
        for (size_t j = 0; j < d; ++j) gwk[j] += g * zi[j];
      }
    }
    part[c * d + c] = loss;
  }

  double operator()(const std::vector<double>& theta, std::vector<double>* grad) const {
    const size_t chunks = (n + kChunk - 1) / kChunk;
    const size_t width = c * d + c + 1;
    std::vector<double> parts(chunks * width, 0.0);
    auto run = [&](size_t b0, size_t b1) {
      for (size_t ch = b0; ch < b1; ++ch) {
        Rows(theta.data(), theta.data() + c * d, ch * kChunk, std::min(n, (ch + 1) * kChunk), parts.data() + ch * width);
      }
    };
    if (pool == nullptr || pool->num_threads() == 1 || chunks < 2) {
      run(0, chunks);
    } else {
      pool->ParallelFor(chunks, run);
    }
    grad->assign(theta.size(), 0.0);
    double loss = 0;
    for (size_t ch = 0; ch < chunks; ++ch) {
      const double* part = parts.data() + ch * width;
      for (size_t t = 0; t < c * d + c; ++t) (*grad)[t] += part[t];
      loss += part[c * d + c];
    }
    const double inv_n = 1.0 / static_cast<double>(n);
    loss *= inv_n;
    for (double& g : *grad) g *= inv_n;
    const double* w = theta.data();
    for (size_t t = 0; t < c * d; ++t) {
      loss += 0.5 * l2 * w[t] * w[t];
      (*grad)[t] += l2 * w[t];
    }
    return loss;
  }
};

double DotD(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

std::vector<double> SoftmaxClassifier::Probabilities(const float* x) const {
  std::vector<double> logits(classes());
  for (size_t k = 0; k < classes(); ++k) {
    double s = bias[k];
    for (size_t j = 0; j < dim; ++j) s += double(weights[k * dim + j]) * ((double(x[j]) - mean[j]) / scale[j]);
    logits[k] = s;
  }
  SoftmaxInPlace(logits);
  return logits;
}

size_t SoftmaxClassifier::Predict(const float* x, double* probability) const {
  const std::vector<double> p = Probabilities(x);
  const size_t best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  if (probability != nullptr) *probability = p[best];
  return best;
}

SoftmaxClassifier TrainSoftmaxRegression(const EmbeddingMatrix& x, const std::vector<int>& y, std::vector<std::string> labels,
                                         const TrainOptions& options, TrainStats* stats, ThreadPool* pool) {
  if (x.rows == 0) throw Error("no training items");
  if (labels.size() < 2) throw Error("training needs at least two different labels, got " + std::to_string(labels.size()));
  if (y.size() != x.rows) throw Error("labels and embeddings differ in count");
  for (int v : y) {
    if (v < 0 || static_cast<size_t>(v) >= labels.size()) throw Error("class index out of range");
  }
  const size_t n = x.rows, d = x.dim, c = labels.size();
  SoftmaxClassifier model;
  model.labels = std::move(labels);
  model.dim = d;
  model.mean.assign(d, 0.0f);
  model.scale.assign(d, 1.0f);
  for (size_t j = 0; j < d; ++j) {
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; ++i) s += x.row(i)[j];
    const double mu = s / static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) ss += (x.row(i)[j] - mu) * (x.row(i)[j] - mu);
    const double sd = std::sqrt(ss / static_cast<double>(n));
    model.mean[j] = static_cast<float>(mu);
    model.scale[j] = sd > 1e-12 ? static_cast<float>(sd) : 1.0f;  // a constant dimension carries nothing
  }
  std::vector<double> z(n * d);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) z[i * d + j] = (double(x.row(i)[j]) - model.mean[j]) / model.scale[j];
  }

  // L-BFGS with a backtracking (Armijo) line search; 10 correction pairs.
  const Objective f{z, y, n, d, c, options.l2, pool};
  std::vector<double> theta(c * d + c, 0.0), grad, next(theta.size()), next_grad;
  double loss = f(theta, &grad);
  std::deque<std::pair<std::vector<double>, std::vector<double>>> history;  // (s, y) pairs
  int it = 0;
  for (; it < options.max_iter; ++it) {
    double gmax = 0;
    for (double g : grad) gmax = std::max(gmax, std::fabs(g));
    if (gmax < options.tolerance) break;
    // Direction = −H·g by the two-loop recursion.
    std::vector<double> q = grad;
    std::vector<double> alpha(history.size());
    for (size_t h = history.size(); h-- > 0;) {
      const auto& [s, yv] = history[h];
      alpha[h] = DotD(s, q) / DotD(yv, s);
      for (size_t t = 0; t < q.size(); ++t) q[t] -= alpha[h] * yv[t];
    }
    if (!history.empty()) {
      const auto& [s, yv] = history.back();
      const double gamma = DotD(s, yv) / DotD(yv, yv);
      for (double& v : q) v *= gamma;
    } else {
      const double gn = std::sqrt(DotD(grad, grad));
      for (double& v : q) v /= std::max(gn, 1.0);
    }
    for (size_t h = 0; h < history.size(); ++h) {
      const auto& [s, yv] = history[h];
      const double beta = DotD(yv, q) / DotD(yv, s);
      for (size_t t = 0; t < q.size(); ++t) q[t] += s[t] * (alpha[h] - beta);
    }
    double slope = -DotD(grad, q);  // directional derivative along −q
    if (slope >= 0) {               // not a descent direction: restart from steepest descent
      history.clear();
      q = grad;
      slope = -DotD(grad, grad);
    }
    double step = 1.0, next_loss = 0;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls, step *= 0.5) {
      for (size_t t = 0; t < theta.size(); ++t) next[t] = theta[t] - step * q[t];
      next_loss = f(next, &next_grad);
      if (next_loss <= loss + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;  // no progress possible in floating point: converged
    std::vector<double> s(theta.size()), yv(theta.size());
    for (size_t t = 0; t < theta.size(); ++t) s[t] = next[t] - theta[t], yv[t] = next_grad[t] - grad[t];
    if (DotD(s, yv) > 1e-12) {
      history.emplace_back(std::move(s), std::move(yv));
      if (history.size() > 10) history.pop_front();
    }
    const double change = loss - next_loss;
    theta.swap(next);
    grad.swap(next_grad);
    loss = next_loss;
    if (change < 1e-12 * std::max(1.0, std::fabs(loss))) {
      ++it;
      break;
    }
  }
  model.weights.assign(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(c * d));
  model.bias.assign(theta.begin() + static_cast<std::ptrdiff_t>(c * d), theta.end());
  if (stats != nullptr) stats->iterations = it, stats->loss = loss;
  return model;
}

}  // namespace gembed::tasks
