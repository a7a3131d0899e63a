// The task commands end to end: the real `gembed` binary on the tiny-text fixture (random
// weights, real tokenizer). Meaning is not tested — mechanics are: printed scores equal
// dot products of Embedder::Embed outputs with the task's prompt, exact duplicates always
// group, classify round-trips and refuses other embeddings, bad lines are named.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "embedder/embedder.h"
#include "fixtures.h"
#include "cli/task_command.h"
#include "tasks/classifier_file.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using gembed::testing::FreshTempDir;
using gembed::testing::ModelDir;
using nlohmann::json;

struct RunResult {
  int status;
  std::string out, err;
};

// Runs gembed with `args` (and stdin_text on stdin) in `dir`.
RunResult Gembed(const fs::path& dir, const std::string& args, const std::string& stdin_text = "") {
  std::ofstream(dir / "stdin") << stdin_text;
  const std::string cmd = std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed " + args + " <" + (dir / "stdin").string() + " >" +
                          (dir / "stdout").string() + " 2>" + (dir / "stderr").string();
  const int rc = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  };
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "stdout"), slurp(dir / "stderr")};
}

std::vector<json> JsonLines(const std::string& s) {
  std::vector<json> v;
  size_t start = 0;
  while (start < s.size()) {
    const size_t end = s.find('\n', start);
    v.push_back(json::parse(s.substr(start, end - start)));
    start = end + 1;
  }
  return v;
}

// Items with labels; items 0 and 4 have the same text.
const std::vector<std::pair<std::string, std::string>> kItems = {
    {"The cat sat on the mat.", "animal"},         {"A dog barked at the mailman.", "animal"},
    {"Stocks fell sharply on Monday.", "finance"}, {"The central bank raised interest rates.", "finance"},
    {"The cat sat on the mat.", "animal"},         {"Birds sing in the morning.", "animal"},
    {"Bond yields rose after the report.", "finance"}, {"Investors sold tech shares.", "finance"},
    {"Horses graze in the field.", "animal"},      {"The market rallied at the close.", "finance"},
};

std::string ItemsJsonl() {
  std::string s;
  for (size_t i = 0; i < kItems.size(); ++i) {
    s += json({{"id", "item" + std::to_string(i)}, {"text", kItems[i].first}, {"label", kItems[i].second}}).dump() + "\n";
  }
  return s;
}

const Embedder& Tiny() {
  static const auto model = Embedder::Load(ModelDir("tiny-text"), {.threads = 2});
  return *model;
}

// The items' embeddings as the library makes them.
std::vector<std::vector<float>> Direct(const EmbedOptions& options) {
  std::vector<EmbedInput> inputs;
  for (const auto& [text, label] : kItems) inputs.push_back({.text = text});
  std::vector<std::vector<float>> out;
  for (auto& r : Tiny().Embed(inputs, options)) out.push_back(std::move(r.embedding));
  return out;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

TEST(TaskOutput, ShortenKeepsOneLineAndWholeCharacters) {
  EXPECT_EQ(Shorten("  a  b\n\t c  "), "a b c");
  EXPECT_EQ(Shorten("abcdefghij", 5), "abcd…");
  EXPECT_EQ(Shorten("abcde", 5), "abcde");
  EXPECT_EQ(Shorten("ééééééé", 4), "ééé…");  // two-byte characters are never split
  EXPECT_EQ(Score(0.5), "0.5000");
  EXPECT_EQ(Score(-0.04159, 7), "-0.0416");
  EXPECT_EQ(Score(0.5, 7), " 0.5000");
}

class TasksCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir();
    std::ofstream(dir_ / "items.jsonl") << ItemsJsonl();
    model_ = " --model " + ModelDir("tiny-text") + " ";
    items_ = " --input " + (dir_ / "items.jsonl").string() + " ";
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Run(const std::string& args, const std::string& stdin_text = "") { return Gembed(dir_, args, stdin_text); }

  fs::path dir_;
  std::string model_, items_;
};

// Every neighbour's score is the dot product of the two items' embeddings under `options`,
// and the neighbours are the best-scoring other items.
void ExpectNeighboursMatch(const std::string& out, const EmbedOptions& options, size_t k) {
  const auto e = Direct(options);
  const auto lines = JsonLines(out);
  ASSERT_EQ(lines.size(), kItems.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["index"], i);
    EXPECT_EQ(lines[i]["id"], "item" + std::to_string(i));
    std::vector<double> all;
    for (size_t j = 0; j < e.size(); ++j) {
      if (j != i) all.push_back(Dot(e[i], e[j]));
    }
    std::sort(all.rbegin(), all.rend());
    const json& n = lines[i]["neighbours"];
    ASSERT_EQ(n.size(), k);
    for (size_t r = 0; r < k; ++r) {
      const size_t j = n[r]["index"];
      EXPECT_NE(j, i);
      EXPECT_NEAR(n[r]["score"].get<double>(), Dot(e[i], e[j]), 1e-5) << i << "→" << j;
      EXPECT_NEAR(n[r]["score"].get<double>(), all[r], 1e-5) << "rank " << r << " of item " << i;
    }
  }
}

TEST_F(TasksCli, SimilarScoresEqualEmbedderDots) {
  RunResult r = Run("similar --json -k 3" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  ExpectNeighboursMatch(r.out, {.prompt_name = "STS"}, 3);
  // Exact duplicates are each other's best neighbour, at score 1.
  const auto lines = JsonLines(r.out);
  EXPECT_EQ(lines[0]["neighbours"][0]["index"], 4);
  EXPECT_NEAR(lines[0]["neighbours"][0]["score"].get<double>(), 1.0, 1e-5);

  r = Run("similar --json -k 2 --dim 16 --prompt-text ''" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  ExpectNeighboursMatch(r.out, {.prompt = "", .dim = 16}, 2);
  r = Run("similar --json -k 2 --prompt document" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  ExpectNeighboursMatch(r.out, {.prompt_name = "document"}, 2);

  // Human output names the prompt and lists every item.
  r = Run("similar -k 1" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("prompt STS (\"task: sentence similarity | query: \")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[item7] Investors sold tech shares."), std::string::npos) << r.out;
}

TEST_F(TasksCli, SimilarPairsAreTheBestPairs) {
  const RunResult r = Run("similar --json --pairs 5" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto e = Direct({.prompt_name = "STS"});
  std::vector<double> all;
  for (size_t i = 0; i < e.size(); ++i) {
    for (size_t j = i + 1; j < e.size(); ++j) all.push_back(Dot(e[i], e[j]));
  }
  std::sort(all.rbegin(), all.rend());
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["a"]["index"], 0);
  EXPECT_EQ(lines[0]["b"]["index"], 4);
  for (size_t p = 0; p < 5; ++p) {
    const size_t a = lines[p]["a"]["index"], b = lines[p]["b"]["index"];
    EXPECT_LT(a, b);
    EXPECT_NEAR(lines[p]["score"].get<double>(), Dot(e[a], e[b]), 1e-5);
    EXPECT_NEAR(lines[p]["score"].get<double>(), all[p], 1e-5);
  }
}

TEST_F(TasksCli, ClusterIsCompleteAndSeeded) {
  RunResult r = Run("cluster --json --k 3 --seed 7 --show 2" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["k"], 3);
  EXPECT_EQ(j["chosen_by"], "--k");
  ASSERT_EQ(j["assignments"].size(), kItems.size());
  size_t total = 0;
  for (const json& c : j["clusters"]) {
    total += c["size"].get<size_t>();
    EXPECT_LE(c["central"].size(), 2u);
  }
  EXPECT_EQ(total, kItems.size());
  EXPECT_EQ(j["assignments"][0]["cluster"], j["assignments"][4]["cluster"]);  // equal texts, one cluster
  // The most central member of each cluster belongs to it, with the highest score there.
  for (const json& c : j["clusters"]) {
    const size_t top = c["central"][0]["index"];
    EXPECT_EQ(j["assignments"][top]["cluster"], c["cluster"]);
    for (const json& a : j["assignments"]) {
      if (a["cluster"] == c["cluster"]) {
        EXPECT_LE(a["score"].get<double>(), c["central"][0]["score"].get<double>() + 1e-6);
      }
    }
  }
  const RunResult again = Run("cluster --json --k 3 --seed 7 --show 2" + model_ + items_);
  EXPECT_EQ(again.out, r.out);

  r = Run("cluster --json --k-min 2 --k-max 4" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  const json c = json::parse(r.out);
  EXPECT_EQ(c["chosen_by"], "silhouette");
  ASSERT_EQ(c["silhouettes"].size(), 3u);
  double best = -2;
  for (const json& s : c["silhouettes"]) best = std::max(best, s["silhouette"].get<double>());
  EXPECT_NEAR(c["silhouette"].get<double>(), best, 1e-6);

  r = Run("cluster --k 3" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("10 items in 3 clusters"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prompt Clustering"), std::string::npos) << r.out;
  r = Run("cluster --k 11" + model_ + items_);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--k 11 is more than the 10 items"), std::string::npos) << r.err;
}

TEST_F(TasksCli, DedupGroupsExactDuplicatesAlways) {
  // Threshold 1: only equal texts can group (no two distinct texts reach cosine 1).
  RunResult r = Run("dedup --json --threshold 1" + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  auto groups = JsonLines(r.out);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["members"][0]["id"], "item0");
  EXPECT_EQ(groups[0]["members"][1]["id"], "item4");
  EXPECT_EQ(groups[0]["members"][1]["exact"], true);

  // At a threshold below the best distinct pair's score, that pair groups too, and each
  // member's score is its cosine with the group's first member.
  const auto e = Direct({.prompt_name = "STS"});
  double best = -1;
  size_t ba = 0, bb = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    for (size_t j = i + 1; j < e.size(); ++j) {
      if (kItems[i].first != kItems[j].first && Dot(e[i], e[j]) > best) best = Dot(e[i], e[j]), ba = i, bb = j;
    }
  }
  char threshold[32];
  std::snprintf(threshold, sizeof threshold, "%.6f", best - 1e-4);
  r = Run("dedup --json --threshold " + std::string(threshold) + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  groups = JsonLines(r.out);
  bool found = false;
  for (const json& g : groups) {
    for (const json& m : g["members"]) {
      const size_t first = g["members"][0]["index"], idx = m["index"];
      EXPECT_NEAR(m["score"].get<double>(), Dot(e[first], e[idx]), 1e-5);
      found |= idx == bb && (first == ba || std::any_of(g["members"].begin(), g["members"].end(), [&](const json& x) { return x["index"] == ba; }));
    }
  }
  EXPECT_TRUE(found) << r.out;

  r = Run("dedup --lines -" + model_, "one\ntwo\none\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("3 items, 1 duplicate group, 1 item to drop"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exact  [3] one"), std::string::npos) << r.out;
}

TEST_F(TasksCli, ClassifyTrainPredictRoundTrip) {
  const std::string clf = (dir_ / "clf.json").string();
  RunResult r = Run("classify train --json --test-fraction 0" + model_ + items_ + "-o " + clf);
  ASSERT_EQ(r.status, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["train_items"], kItems.size());
  EXPECT_EQ(report["test_items"], 0);
  EXPECT_EQ(report["train_accuracy"], 1.0);  // 10 points in 32 dimensions: separable
  const tasks::ClassifierFile file = tasks::LoadClassifier(clf);
  EXPECT_EQ(file.classifier.labels, (std::vector<std::string>{"animal", "finance"}));
  EXPECT_EQ(file.embedding.model, "tiny-text");
  EXPECT_EQ(file.embedding.prompt_name, "Classification");

  // predict's labels and probabilities are the saved classifier applied to Embed's output.
  r = Run("classify predict --all --classifier " + clf + model_ + items_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("accuracy 1.0000 on the 10 items that have a \"label\""), std::string::npos) << r.err;
  const auto e = Direct({.prompt_name = "Classification"});
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), kItems.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    double p = 0;
    const size_t k = file.classifier.Predict(e[i].data(), &p);
    EXPECT_EQ(lines[i]["label"], file.classifier.labels[k]);
    EXPECT_EQ(lines[i]["label"], kItems[i].second);
    EXPECT_NEAR(lines[i]["probability"].get<double>(), p, 1e-5);
    EXPECT_NEAR(lines[i]["probabilities"]["animal"].get<double>() + lines[i]["probabilities"]["finance"].get<double>(), 1.0, 1e-5);
  }

  // A held-out split is reported per label.
  r = Run("classify train --test-fraction 0.2" + model_ + items_ + "-o " + clf);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("trained on 8 items"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("held out 2 items: accuracy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("finance"), std::string::npos) << r.out;

  // Matryoshka: predict takes the trained dimension by itself.
  r = Run("classify train --dim 16 --test-fraction 0" + model_ + items_ + "-o " + clf);
  ASSERT_EQ(r.status, 0) << r.err;
  r = Run("classify predict --classifier " + clf + model_ + "'The cat sat on the mat.'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(JsonLines(r.out)[0]["label"], "animal");
}

TEST_F(TasksCli, ClassifyRefusesOtherEmbeddings) {
  const std::string clf = (dir_ / "clf.json").string();
  ASSERT_EQ(Run("classify train --test-fraction 0" + model_ + items_ + "-o " + clf).status, 0);
  // Another model with the same shape, tokenizer and folder layout: only its weights differ.
  const fs::path other = dir_ / "other-model";
  RunResult r = Run("init-random " + other.string() + " --preset tiny --seed 9 --tokenizer " + ModelDir("tiny-text") + "/tokenizer.json");
  ASSERT_EQ(r.status, 0) << r.err;
  r = Run("classify predict --classifier " + clf + " --model " + other.string() + " hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("trained on embeddings of model \"tiny-text\", and model \"other-model\" embeds differently"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  r = Run("classify predict --dim 16 --classifier " + clf + model_ + "hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("at 32 dimensions, not 16 (drop --dim)"), std::string::npos) << r.err;
  r = Run("classify predict --prompt STS --classifier " + clf + model_ + "hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("with the prompt \"task: classification | query: \""), std::string::npos) << r.err;
  // The same model computed with other weight types is the same model.
  r = Run("classify predict --weights q8_0 --classifier " + clf + model_ + "hello");
  EXPECT_EQ(r.status, 0) << r.err;
  // A damaged classifier file.
  std::ofstream(dir_ / "bad.json") << "{\"format\": \"gembed-classifier\", \"version\": 1}";
  r = Run("classify predict --classifier " + (dir_ / "bad.json").string() + model_ + "hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.json: missing \"labels\""), std::string::npos) << r.err;
}

TEST_F(TasksCli, BadInputNamesTheLine) {
  const std::string bad = "{\"text\": \"fine\", \"label\": \"a\"}\n\n{\"text\": \"also fine\"\n{\"text\": 3}\n{\"text\": \"ok\", \"label\": \"b\"}\n";
  RunResult r = Run("similar --input -" + model_, bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("gembed: error: stdin line 3: not valid JSON", 0), 0u) << r.err;
  EXPECT_TRUE(r.out.empty());

  r = Run("similar --json --skip-bad --input -" + model_, bad);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("stdin line 3: not valid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stdin line 4: \"text\" must be a string (skipped)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 2 bad lines of stdin"), std::string::npos) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["id"], "5");  // ids default to line numbers

  r = Run("classify train -o " + (dir_ / "c.json").string() + " --input -" + model_, "{\"text\": \"x\", \"label\": \"a\"}\n{\"text\": \"y\"}\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("stdin line 2: needs a \"label\" to train on"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "c.json"));
  r = Run("classify train -o " + (dir_ / "c.json").string() + " --input -" + model_, "{\"text\": \"x\", \"label\": \"a\"}\n{\"text\": \"y\", \"label\": \"a\"}\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("at least two different labels, found 1"), std::string::npos) << r.err;

  r = Run("similar --lines -" + model_, "good\n\xff\xfe bad\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("stdin line 2: invalid UTF-8 at byte 0"), std::string::npos) << r.err;
  r = Run("dedup" + model_);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no items"), std::string::npos) << r.err;
  r = Run("similar --prompt Nope" + model_ + "a b");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no prompt named \"Nope\""), std::string::npos) << r.err;
  r = Run("classify" + model_);
  EXPECT_EQ(r.status, 2);
  r = Run("similar --input x --lines y" + model_);
  EXPECT_EQ(r.status, 2);
}

}  // namespace
}  // namespace gembed::cli
