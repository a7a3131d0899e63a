// Held-out evaluation for `gembed classify train`: a seeded stratified split and the
// accuracy / per-class report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gembed::tasks {

struct Split {
  std::vector<size_t> train, test;  // row indices, each ascending
};

// Puts round(test_fraction · n_c) of each class's n_c items in the test set — at least one
// when the fraction is positive and the class has two or more, never all of them (a class
// must be seen in training). Which items is decided by a seeded shuffle. y holds class
// indices. Throws gembed::Error for a fraction outside [0, 1).
Split StratifiedSplit(const std::vector<int>& y, double test_fraction, uint64_t seed);

struct ClassReport {
  std::string label;
  size_t support = 0;  // true items of this class
  double precision = 0, recall = 0, f1 = 0;
};

struct Report {
  size_t items = 0;
  double accuracy = 0;
  std::vector<ClassReport> classes;  // in label order
};

// Compares predicted with true class indices.
Report Evaluate(const std::vector<int>& truth, const std::vector<int>& predicted, const std::vector<std::string>& labels);

}  // namespace gembed::tasks
