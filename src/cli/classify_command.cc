// gembed classify train|predict: multinomial logistic regression on embeddings. train
// reads labelled items, holds out a stratified test split, reports accuracy, and saves the
// classifier with the identity of the embeddings it expects; predict refuses embeddings
// of another model, dimension or prompt. Prompt: the card's "Classification".
#include <algorithm>
#include <cstdio>
#include <map>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/commands.h"
#include "cli/output_writer.h"
#include "cli/task_command.h"
#include "tasks/classifier_file.h"
#include "tasks/evaluation.h"

namespace gembed::cli {

namespace {

// The identity of the embeddings this session makes: model, dimensions, prompt, and the
// embedding of the fingerprint probe.
tasks::EmbeddingIdentity Identity(const TaskSession& s) {
  tasks::Items probe;
  probe.source = "fingerprint";
  probe.items.push_back({.id = "fingerprint", .text = tasks::kFingerprintText, .line = 1});
  tasks::TaskEmbedOptions quiet = s.embed;
  quiet.strict = false;
  const tasks::EmbeddingMatrix m = tasks::EmbedItems(*s.model, probe, quiet);
  tasks::EmbeddingIdentity id;
  id.model = tasks::ModelName(*s.model);
  id.model_dim = static_cast<size_t>(s.model->output_dim());
  id.dim = m.dim;
  id.prompt_name = s.embed.prompt.name;
  id.prompt = s.embed.prompt.text;
  id.fingerprint.assign(m.data.begin(), m.data.end());
  return id;
}

tasks::EmbeddingMatrix Rows(const tasks::EmbeddingMatrix& m, const std::vector<size_t>& rows) {
  tasks::EmbeddingMatrix out;
  out.dim = m.dim;
  for (size_t r : rows) out.data.insert(out.data.end(), m.row(r), m.row(r) + m.dim);
  out.rows = rows.size();
  return out;
}

std::vector<int> Predict(const tasks::SoftmaxClassifier& c, const tasks::EmbeddingMatrix& m, const std::vector<size_t>& rows) {
  std::vector<int> out;
  for (size_t r : rows) out.push_back(static_cast<int>(c.Predict(m.row(r))));
  return out;
}

}  // namespace

int RunClassifyTrain(const ClassifyTrainArgs& args) {
  if (args.output.empty()) throw Error("give -o/--output FILE: where to save the classifier");
  if (!(args.test_fraction >= 0 && args.test_fraction < 1)) throw Error("--test-fraction must be in [0, 1)");
  if (!(args.l2 >= 0)) throw Error("--l2 must be at least 0");
  if (!args.task.texts.empty()) throw Error("training needs labelled items: give --input FILE (JSONL with \"label\")");
  if (!args.task.lines.empty()) throw Error("training needs labelled items: --lines has no labels; give --input FILE (JSONL with \"label\")");
  TaskSession s = OpenTask(args.task, "Classification");
  // Every training item needs a label.
  tasks::Items labelled;
  labelled.source = s.items.source;
  for (size_t i = 0; i < s.items.items.size(); ++i) {
    if (s.items.items[i].label) {
      labelled.items.push_back(s.items.items[i]);
      continue;
    }
    const std::string msg = s.items.Where(i) + ": needs a \"label\" to train on";
    if (!args.task.skip_bad) throw Error(msg);
    std::fprintf(stderr, "gembed: %s (skipped)\n", msg.c_str());
  }
  std::vector<std::string> labels;
  for (const auto& it : labelled.items) labels.push_back(*it.label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  if (labels.size() < 2) throw Error("training needs at least two different labels, found " + std::to_string(labels.size()));
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < labels.size(); ++i) index_of[labels[i]] = static_cast<int>(i);
  std::vector<int> y;
  for (const auto& it : labelled.items) y.push_back(index_of[*it.label]);

  const tasks::EmbeddingIdentity identity = Identity(s);
  const tasks::EmbeddingMatrix m = tasks::EmbedItems(*s.model, labelled, s.embed);
  const tasks::Split split = tasks::StratifiedSplit(y, args.test_fraction, args.seed);
  std::vector<int> ytrain, ytest;
  for (size_t r : split.train) ytrain.push_back(y[r]);
  for (size_t r : split.test) ytest.push_back(y[r]);
  tasks::TrainStats stats;
  tasks::ClassifierFile file;
  ThreadPool pool(args.task.threads);
  file.classifier =
      tasks::TrainSoftmaxRegression(Rows(m, split.train), ytrain, labels, {.l2 = args.l2, .max_iter = args.max_iter}, &stats, &pool);
  file.embedding = identity;
  const tasks::Report train_report = tasks::Evaluate(ytrain, Predict(file.classifier, m, split.train), labels);
  const tasks::Report test_report = tasks::Evaluate(ytest, Predict(file.classifier, m, split.test), labels);
  file.training = {split.train.size(), split.test.size(), train_report.accuracy, test_report.accuracy, args.l2, stats.iterations};
  tasks::SaveClassifier(args.output, file);

  std::string out;
  if (args.task.json) {
    out += "{\"classifier\": ";
    AppendJsonString(&out, args.output);
    out += ", \"labels\": " + std::to_string(labels.size()) + ", \"train_items\": " + std::to_string(split.train.size()) +
           ", \"test_items\": " + std::to_string(split.test.size()) + ", \"train_accuracy\": ";
    AppendFloat(&out, static_cast<float>(train_report.accuracy));
    out += ", \"test_accuracy\": ";
    if (split.test.empty()) {
      out += "null";
    } else {
      AppendFloat(&out, static_cast<float>(test_report.accuracy));
    }
    out += ", \"iterations\": " + std::to_string(stats.iterations) + ", \"classes\": [";
    for (size_t c = 0; c < labels.size(); ++c) {
      const tasks::ClassReport& cr = test_report.classes[c];
      out += c ? ", {\"label\": " : "{\"label\": ";
      AppendJsonString(&out, cr.label);
      out += ", \"support\": " + std::to_string(cr.support) + ", \"precision\": ";
      AppendFloat(&out, static_cast<float>(cr.precision));
      out += ", \"recall\": ";
      AppendFloat(&out, static_cast<float>(cr.recall));
      out += ", \"f1\": ";
      AppendFloat(&out, static_cast<float>(cr.f1));
      out += "}";
    }
    out += "]}\n";
  } else {
    out += "# " + std::to_string(labelled.items.size()) + " labelled items, " + std::to_string(labels.size()) + " labels · prompt " +
           tasks::DescribePrompt(s.embed.prompt) + " · dim " + std::to_string(m.dim) + "\n";
    out += "trained on " + std::to_string(split.train.size()) + " items (" + std::to_string(stats.iterations) +
           " L-BFGS iterations): training accuracy " + Score(train_report.accuracy) + "\n";
    if (split.test.empty()) {
      out += "no held-out items (--test-fraction 0, or too few items per label)\n";
    } else {
      out += "held out " + std::to_string(split.test.size()) + " items: accuracy " + Score(test_report.accuracy) + "\n\n";
      char line[256];
      std::snprintf(line, sizeof line, "%-24s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support");
      out += line;
      for (const auto& cr : test_report.classes) {
        std::snprintf(line, sizeof line, "%-24s %9.4f %9.4f %9.4f %8zu\n", Shorten(cr.label, 24).c_str(), cr.precision, cr.recall, cr.f1, cr.support);
        out += line;
      }
    }
    out += "saved " + args.output + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int RunClassifyPredict(const ClassifyPredictArgs& args) {
  if (args.classifier.empty()) throw Error("give --classifier FILE (written by gembed classify train)");
  const tasks::ClassifierFile file = tasks::LoadClassifier(args.classifier);
  TaskArgs task = args.task;
  if (task.dim == 0 && file.embedding.dim != file.embedding.model_dim) task.dim = static_cast<int>(file.embedding.dim);
  TaskSession s = OpenTask(task, file.embedding.prompt_name.value_or(""), file.embedding.prompt);
  if (file.embedding.model_dim != static_cast<size_t>(s.model->output_dim())) {  // before embedding at a dim it may lack
    tasks::EmbeddingIdentity now{.model = tasks::ModelName(*s.model), .model_dim = static_cast<size_t>(s.model->output_dim())};
    throw Error(args.classifier + ": " + tasks::CheckSameEmbedding(file.embedding, now));
  }
  const std::string mismatch = tasks::CheckSameEmbedding(file.embedding, Identity(s));
  if (!mismatch.empty()) throw Error(args.classifier + ": " + mismatch);
  const tasks::SoftmaxClassifier& c = file.classifier;
  const tasks::EmbeddingMatrix m = tasks::EmbedItems(*s.model, s.items, s.embed);
  std::string out;
  size_t labelled = 0, correct = 0;
  for (size_t i = 0; i < m.rows; ++i) {
    const std::vector<double> p = c.Probabilities(m.row(i));
    const size_t best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    out += "{";
    AppendItemFields(&out, s.items, i);
    out += ", \"label\": ";
    AppendJsonString(&out, c.labels[best]);
    out += ", \"probability\": ";
    AppendFloat(&out, static_cast<float>(p[best]));
    if (args.all) {
      out += ", \"probabilities\": {";
      for (size_t k = 0; k < p.size(); ++k) {
        if (k) out += ", ";
        AppendJsonString(&out, c.labels[k]);
        out += ": ";
        AppendFloat(&out, static_cast<float>(p[k]));
      }
      out += "}";
    }
    out += "}\n";
    if (const auto& truth = s.items.items[i].label) {
      ++labelled;
      correct += *truth == c.labels[best];
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (labelled > 0) {
    std::fprintf(stderr, "gembed: accuracy %s on the %zu items that have a \"label\"\n",
                 Score(static_cast<double>(correct) / static_cast<double>(labelled)).c_str(), labelled);
  }
  return 0;
}

}  // namespace gembed::cli
