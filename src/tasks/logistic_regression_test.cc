// Softmax regression learns separable classes perfectly; the split is stratified and
// seeded; the report counts right; the model file round-trips and bad files are refused.
#include "tasks/logistic_regression.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "base/error.h"
#include "base/thread_pool.h"
#include "fixtures.h"
#include "tasks/classifier_file.h"
#include "tasks/evaluation.h"
#include "tasks/test_vectors.h"

namespace gembed::tasks {
namespace {

using testing::Blobs;

std::vector<int> BlobLabels(int classes, size_t per) {
  std::vector<int> y;
  for (int c = 0; c < classes; ++c) y.insert(y.end(), per, c);
  return y;
}

TEST(SoftmaxRegression, SeparableDataAllRight) {
  const EmbeddingMatrix x = Blobs(3, 30, 24, 0.1, 5);
  const std::vector<int> y = BlobLabels(3, 30);
  TrainStats stats;
  const SoftmaxClassifier c = TrainSoftmaxRegression(x, y, {"a", "b", "c"}, {}, &stats);
  EXPECT_GT(stats.iterations, 0);
  EXPECT_LT(stats.loss, 0.1);
  for (size_t i = 0; i < x.rows; ++i) {
    double p = 0;
    EXPECT_EQ(c.Predict(x.row(i), &p), static_cast<size_t>(y[i])) << i;
    EXPECT_GT(p, 0.5);
    const auto probs = c.Probabilities(x.row(i));
    EXPECT_NEAR(std::accumulate(probs.begin(), probs.end(), 0.0), 1.0, 1e-9);
  }
}

TEST(SoftmaxRegression, HeldOutPointsOfTheSameBlobs) {
  const EmbeddingMatrix x = Blobs(4, 50, 16, 0.15, 8);
  const std::vector<int> y = BlobLabels(4, 50);
  const Split split = StratifiedSplit(y, 0.2, 1);
  EmbeddingMatrix train;
  std::vector<int> ytrain;
  for (size_t i : split.train) train.Append(std::vector<float>(x.row(i), x.row(i) + x.dim)), ytrain.push_back(y[i]);
  const SoftmaxClassifier c = TrainSoftmaxRegression(train, ytrain, {"a", "b", "c", "d"});
  std::vector<int> truth, predicted;
  for (size_t i : split.test) truth.push_back(y[i]), predicted.push_back(static_cast<int>(c.Predict(x.row(i))));
  EXPECT_EQ(Evaluate(truth, predicted, c.labels).accuracy, 1.0);
}

TEST(SoftmaxRegression, SameResultForAnyThreadCount) {
  const EmbeddingMatrix x = testing::RandomUnitRows(700, 12, 4);  // 3 row chunks, not separable
  std::vector<int> y;
  for (size_t i = 0; i < x.rows; ++i) y.push_back(static_cast<int>(i % 3));
  ThreadPool pool(3);
  TrainStats a, b;
  const SoftmaxClassifier one = TrainSoftmaxRegression(x, y, {"a", "b", "c"}, {.max_iter = 50}, &a);
  const SoftmaxClassifier many = TrainSoftmaxRegression(x, y, {"a", "b", "c"}, {.max_iter = 50}, &b, &pool);
  EXPECT_EQ(one.weights, many.weights);
  EXPECT_EQ(one.bias, many.bias);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_GT(a.loss, 0.5);  // random labels cannot be fitted well in 12 dimensions
}

TEST(SoftmaxRegression, BadTrainingInput) {
  const EmbeddingMatrix x = Blobs(2, 3, 4, 0.1, 1);
  EXPECT_THROW(TrainSoftmaxRegression(x, BlobLabels(2, 3), {"only"}), Error);
  EXPECT_THROW(TrainSoftmaxRegression(x, {0, 1}, {"a", "b"}), Error);
  EXPECT_THROW(TrainSoftmaxRegression(x, {0, 1, 2, 0, 1, 0}, {"a", "b"}), Error);
  EXPECT_THROW(TrainSoftmaxRegression(EmbeddingMatrix{}, {}, {"a", "b"}), Error);
}

TEST(StratifiedSplit, KeepsClassProportionsAndIsSeeded) {
  std::vector<int> y;
  y.insert(y.end(), 50, 0);
  y.insert(y.end(), 10, 1);
  y.insert(y.end(), 2, 2);
  y.insert(y.end(), 1, 3);  // a single item stays in training
  const Split s = StratifiedSplit(y, 0.2, 9);
  std::vector<int> test_count(4, 0);
  for (size_t i : s.test) ++test_count[y[i]];
  EXPECT_EQ(test_count, (std::vector<int>{10, 2, 1, 0}));
  EXPECT_EQ(s.train.size() + s.test.size(), y.size());
  EXPECT_EQ(StratifiedSplit(y, 0.2, 9).test, s.test);
  EXPECT_NE(StratifiedSplit(y, 0.2, 10).test, s.test);
  EXPECT_TRUE(StratifiedSplit(y, 0, 9).test.empty());
  EXPECT_THROW(StratifiedSplit(y, 1.0, 9), Error);
  EXPECT_THROW(StratifiedSplit(y, -0.1, 9), Error);
}

TEST(Evaluate, AccuracyAndPerClass) {
  const Report r = Evaluate({0, 0, 1, 1, 1}, {0, 1, 1, 1, 0}, {"x", "y"});
  EXPECT_EQ(r.items, 5u);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.6);
  EXPECT_EQ(r.classes[0].support, 2u);
  EXPECT_DOUBLE_EQ(r.classes[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[0].recall, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[1].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].f1, 2.0 / 3);
}

ClassifierFile Trained() {
  const EmbeddingMatrix x = Blobs(3, 10, 8, 0.1, 2);
  ClassifierFile f;
  f.classifier = TrainSoftmaxRegression(x, BlobLabels(3, 10), {"red", "green", "blue"});
  f.embedding = {"tiny", 32, 8, "Classification", "task: classification | query: ", std::vector<float>(x.row(0), x.row(0) + 8)};
  f.training = {30, 0, 1.0, 0, 1e-3, 12};
  return f;
}

TEST(ClassifierFile, RoundTrips) {
  const auto dir = gembed::testing::FreshTempDir();
  const std::string path = (dir / "model.json").string();
  const ClassifierFile f = Trained();
  SaveClassifier(path, f);
  const ClassifierFile g = LoadClassifier(path);
  EXPECT_EQ(g.classifier.labels, f.classifier.labels);
  EXPECT_EQ(g.classifier.weights, f.classifier.weights);
  EXPECT_EQ(g.classifier.bias, f.classifier.bias);
  EXPECT_EQ(g.classifier.mean, f.classifier.mean);
  EXPECT_EQ(g.classifier.scale, f.classifier.scale);
  EXPECT_EQ(g.embedding.model, "tiny");
  EXPECT_EQ(g.embedding.prompt_name, "Classification");
  EXPECT_EQ(g.embedding.fingerprint, f.embedding.fingerprint);
  EXPECT_EQ(g.training.iterations, 12);
  EXPECT_EQ(CheckSameEmbedding(f.embedding, g.embedding), "");
  std::filesystem::remove_all(dir);
}

TEST(ClassifierFile, BadFilesAreRefused) {
  const auto dir = gembed::testing::FreshTempDir();
  const std::string path = (dir / "model.json").string();
  SaveClassifier(path, Trained());
  nlohmann::json good = nlohmann::json::parse(std::ifstream(path));
  auto expect = [&](nlohmann::json j, const std::string& msg) {
    std::ofstream(path) << j.dump();
    try {
      LoadClassifier(path);
      FAIL() << msg;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(msg), std::string::npos) << e.what();
    }
  };
  auto j = good;
  j["weights"][1].erase(0);
  expect(j, "\"weights\"[1] must be an array of 8 numbers");
  j = good;
  j["format"] = "other";
  expect(j, "not a gembed classifier");
  j = good;
  j["labels"][2] = "red";
  expect(j, "label \"red\" appears twice");
  j = good;
  j["bias"] = {1, 2};
  expect(j, "\"bias\" must be an array of 3 numbers");
  j = good;
  j["embedding"].erase("fingerprint");
  expect(j, "missing \"fingerprint\"");
  j = good;
  j["standardize"]["scale"][0] = 0;
  expect(j, "\"standardize.scale\" must be positive");
  std::ofstream(path) << "{oops";
  EXPECT_THROW(LoadClassifier(path), Error);
  EXPECT_THROW(LoadClassifier((dir / "missing.json").string()), Error);
  std::filesystem::remove_all(dir);
}

TEST(ClassifierFile, MismatchedEmbeddingsExplained) {
  const EmbeddingIdentity a = Trained().embedding;
  EmbeddingIdentity b = a;
  b.dim = 4;
  EXPECT_NE(CheckSameEmbedding(a, b).find("at 8 dimensions, not 4 (drop --dim, or pass --dim 8)"), std::string::npos);
  b = a;
  b.model_dim = 64;
  EXPECT_NE(CheckSameEmbedding(a, b).find("gives 64"), std::string::npos);
  b = a;
  b.prompt = "x";
  EXPECT_NE(CheckSameEmbedding(a, b).find("with the prompt"), std::string::npos);
  b = a;
  for (float& v : b.fingerprint) v = -v;
  b.model = "other";
  EXPECT_NE(CheckSameEmbedding(a, b).find("model \"other\" embeds differently (fingerprint cosine -1.000)"), std::string::npos);
}

}  // namespace
}  // namespace gembed::tasks
