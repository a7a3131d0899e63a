#include "tasks/evaluation.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "tasks/kmeans.h"

namespace gembed::tasks {

Split StratifiedSplit(const std::vector<int>& y, double test_fraction, uint64_t seed) {
  if (!(test_fraction >= 0 && test_fraction < 1)) throw Error("the test fraction must be in [0, 1)");
  int classes = 0;
  for (int v : y) classes = std::max(classes, v + 1);
  std::vector<std::vector<size_t>> members(classes);
  for (size_t i = 0; i < y.size(); ++i) members[y[i]].push_back(i);
  SeededRandom rng(seed);
  Split split;
  for (auto& m : members) {
    for (size_t i = m.size(); i > 1; --i) std::swap(m[i - 1], m[rng.Below(i)]);  // Fisher–Yates
    size_t test = static_cast<size_t>(std::llround(test_fraction * static_cast<double>(m.size())));
    if (test_fraction > 0 && m.size() >= 2) test = std::max<size_t>(test, 1);
    test = std::min(test, m.size() > 0 ? m.size() - 1 : 0);
    split.test.insert(split.test.end(), m.begin(), m.begin() + static_cast<std::ptrdiff_t>(test));
    split.train.insert(split.train.end(), m.begin() + static_cast<std::ptrdiff_t>(test), m.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Report Evaluate(const std::vector<int>& truth, const std::vector<int>& predicted, const std::vector<std::string>& labels) {
  Report r;
  r.items = truth.size();
  std::vector<size_t> tp(labels.size()), predicted_count(labels.size()), support(labels.size());
  size_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++support[truth[i]];
    ++predicted_count[predicted[i]];
    if (truth[i] == predicted[i]) ++correct, ++tp[truth[i]];
  }
  r.accuracy = truth.empty() ? 0 : static_cast<double>(correct) / static_cast<double>(truth.size());
  for (size_t c = 0; c < labels.size(); ++c) {
    ClassReport cr{labels[c], support[c]};
    cr.precision = predicted_count[c] ? static_cast<double>(tp[c]) / static_cast<double>(predicted_count[c]) : 0;
    cr.recall = support[c] ? static_cast<double>(tp[c]) / static_cast<double>(support[c]) : 0;
    cr.f1 = cr.precision + cr.recall > 0 ? 2 * cr.precision * cr.recall / (cr.precision + cr.recall) : 0;
    r.classes.push_back(cr);
  }
  return r;
}

}  // namespace gembed::tasks
