// The file `gembed classify train` writes and `classify predict` reads: JSON holding the
// labels, the softmax regression's weights, and what the embeddings were — model name,
// dimensions, prompt, and a fingerprint (the embedding of a fixed probe text). Embeddings
// of another model are meaningless to the weights, so predict refuses a model whose
// fingerprint differs, whatever its folder is called.
//
//   {"format": "gembed-classifier", "version": 1,
//    "labels": ["neg", "pos"],
//    "embedding": {"model": "embeddinggemma-300m", "model_dim": 768, "dim": 768,
//                  "prompt_name": "Classification", "prompt": "task: classification | query: ",
//                  "fingerprint": [ …dim floats… ]},
//    "standardize": {"mean": [ …dim… ], "scale": [ …dim… ]},
//    "weights": [[ …dim… ] per label], "bias": [ …per label… ],
//    "training": {"items": 800, "test_items": 200, "test_accuracy": 0.93, "l2": 0.001, "iterations": 57}}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/logistic_regression.h"

namespace gembed::tasks {

// The probe text whose embedding identifies a model.
inline constexpr const char* kFingerprintText = "gembed model fingerprint: The quick brown fox jumps over the lazy dog.";

// Fingerprints closer than this (cosine) are the same model: loose enough for the same
// weights computed as f32, bf16 or quantised, far tighter than two different models agree.
inline constexpr double kSameModelCosine = 0.95;

struct EmbeddingIdentity {
  std::string model;
  size_t model_dim = 0;  // the model's full output dimension
  size_t dim = 0;        // the (Matryoshka) dimension used
  std::optional<std::string> prompt_name;
  std::string prompt;
  std::vector<float> fingerprint;  // dim floats
};

struct TrainingInfo {
  size_t items = 0, test_items = 0;
  double train_accuracy = 0, test_accuracy = 0;
  double l2 = 0;
  int iterations = 0;
};

struct ClassifierFile {
  SoftmaxClassifier classifier;
  EmbeddingIdentity embedding;
  TrainingInfo training;
};

void SaveClassifier(const std::string& path, const ClassifierFile& file);  // throws gembed::Error
// Validates every field and shape; throws gembed::Error "PATH: what is wrong".
ClassifierFile LoadClassifier(const std::string& path);

// "" when `now` can use a classifier trained on `trained`, else why not.
std::string CheckSameEmbedding(const EmbeddingIdentity& trained, const EmbeddingIdentity& now);

}  // namespace gembed::tasks
