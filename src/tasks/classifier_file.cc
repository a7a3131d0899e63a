#include "tasks/classifier_file.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace gembed::tasks {

using nlohmann::json;

void SaveClassifier(const std::string& path, const ClassifierFile& file) {
  const SoftmaxClassifier& c = file.classifier;
  const EmbeddingIdentity& e = file.embedding;
  json j;
  j["format"] = "gembed-classifier";
  j["version"] = 1;
  j["labels"] = c.labels;
  j["embedding"] = {{"model", e.model}, {"model_dim", e.model_dim}, {"dim", e.dim}, {"prompt", e.prompt}, {"fingerprint", e.fingerprint}};
  j["embedding"]["prompt_name"] = e.prompt_name ? json(*e.prompt_name) : json(nullptr);
  j["standardize"] = {{"mean", c.mean}, {"scale", c.scale}};
  json weights = json::array();
  for (size_t k = 0; k < c.classes(); ++k) {
    weights.push_back(std::vector<float>(c.weights.begin() + static_cast<std::ptrdiff_t>(k * c.dim),
                                         c.weights.begin() + static_cast<std::ptrdiff_t>((k + 1) * c.dim)));
  }
  j["weights"] = std::move(weights);
  j["bias"] = c.bias;
  const TrainingInfo& t = file.training;
  j["training"] = {{"items", t.items}, {"test_items", t.test_items}, {"train_accuracy", t.train_accuracy},
                   {"test_accuracy", t.test_accuracy}, {"l2", t.l2}, {"iterations", t.iterations}};
  // Write beside the target and rename, so a failed write never leaves half a model.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot write model file " + path);
    f << j.dump() << '\n';
    if (!f.flush()) throw Error("cannot write model file " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot write model file " + path);
  }
}

namespace {

std::vector<float> FloatArray(const json& j, const std::string& where, size_t n) {
  if (!j.is_array() || j.size() != n) throw Error(where + " must be an array of " + std::to_string(n) + " numbers");
  std::vector<float> v;
  v.reserve(n);
  for (const json& x : j) {
    if (!x.is_number() || !std::isfinite(x.get<double>())) throw Error(where + " holds " + x.dump() + ", not a finite number");
    v.push_back(x.get<float>());
  }
  return v;
}

const json& Field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw Error(where + ": missing \"" + key + "\"");
  return j[key];
}

size_t Count(const json& j, const std::string& where) {
  if (!j.is_number_unsigned() || j.get<size_t>() == 0 || j.get<size_t>() > (1u << 20)) throw Error(where + " must be a positive integer");
  return j.get<size_t>();
}

}  // namespace

ClassifierFile LoadClassifier(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open model file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  json j;
  try {
    j = json::parse(ss.str());
  } catch (const json::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != "gembed-classifier") {
    throw Error(path + ": not a gembed classifier (no \"format\": \"gembed-classifier\")");
  }
  if (Field(j, "version", path) != 1) throw Error(path + ": unsupported classifier version " + j["version"].dump());
  ClassifierFile out;
  SoftmaxClassifier& c = out.classifier;
  const json& labels = Field(j, "labels", path);
  if (!labels.is_array() || labels.size() < 2) throw Error(path + ": \"labels\" must be an array of two or more strings");
  std::set<std::string> seen;
  for (const json& l : labels) {
    if (!l.is_string()) throw Error(path + ": \"labels\" must hold strings");
    if (!seen.insert(l.get<std::string>()).second) throw Error(path + ": label " + l.dump() + " appears twice");
    c.labels.push_back(l.get<std::string>());
  }
  const json& e = Field(j, "embedding", path);
  EmbeddingIdentity& id = out.embedding;
  const json& model = Field(e, "model", path + " embedding");
  if (!model.is_string()) throw Error(path + ": \"embedding.model\" must be a string");
  id.model = model.get<std::string>();
  id.model_dim = Count(Field(e, "model_dim", path + " embedding"), path + ": \"embedding.model_dim\"");
  id.dim = Count(Field(e, "dim", path + " embedding"), path + ": \"embedding.dim\"");
  const json& prompt = Field(e, "prompt", path + " embedding");
  if (!prompt.is_string()) throw Error(path + ": \"embedding.prompt\" must be a string");
  id.prompt = prompt.get<std::string>();
  if (e.contains("prompt_name") && !e["prompt_name"].is_null()) {
    if (!e["prompt_name"].is_string()) throw Error(path + ": \"embedding.prompt_name\" must be a string or null");
    id.prompt_name = e["prompt_name"].get<std::string>();
  }
  id.fingerprint = FloatArray(Field(e, "fingerprint", path + " embedding"), path + ": \"embedding.fingerprint\"", id.dim);
  c.dim = id.dim;
  const json& st = Field(j, "standardize", path);
  c.mean = FloatArray(Field(st, "mean", path + " standardize"), path + ": \"standardize.mean\"", c.dim);
  c.scale = FloatArray(Field(st, "scale", path + " standardize"), path + ": \"standardize.scale\"", c.dim);
  for (float s : c.scale) {
    if (!(s > 0)) throw Error(path + ": \"standardize.scale\" must be positive");
  }
  const json& w = Field(j, "weights", path);
  if (!w.is_array() || w.size() != c.classes()) throw Error(path + ": \"weights\" must hold one row per label (" + std::to_string(c.classes()) + ")");
  for (size_t k = 0; k < c.classes(); ++k) {
    const std::vector<float> row = FloatArray(w[k], path + ": \"weights\"[" + std::to_string(k) + "]", c.dim);
    c.weights.insert(c.weights.end(), row.begin(), row.end());
  }
  c.bias = FloatArray(Field(j, "bias", path), path + ": \"bias\"", c.classes());
  if (j.contains("training") && j["training"].is_object()) {
    const json& t = j["training"];
    TrainingInfo& info = out.training;
    info.items = t.value("items", size_t{0});
    info.test_items = t.value("test_items", size_t{0});
    info.train_accuracy = t.value("train_accuracy", 0.0);
    info.test_accuracy = t.value("test_accuracy", 0.0);
    info.l2 = t.value("l2", 0.0);
    info.iterations = t.value("iterations", 0);
  }
  return out;
}

std::string CheckSameEmbedding(const EmbeddingIdentity& trained, const EmbeddingIdentity& now) {
  const std::string was = "the classifier was trained on embeddings of model \"" + trained.model + "\"";
  if (trained.model_dim != now.model_dim) {
    return was + " (" + std::to_string(trained.model_dim) + " dimensions); model \"" + now.model + "\" gives " +
           std::to_string(now.model_dim) + ": use the model it was trained with, or retrain";
  }
  if (trained.dim != now.dim) {
    return was + " at " + std::to_string(trained.dim) + " dimensions, not " + std::to_string(now.dim) +
           (trained.dim == trained.model_dim ? std::string(" (drop --dim)") : " (drop --dim, or pass --dim " + std::to_string(trained.dim) + ")");
  }
  if (trained.prompt != now.prompt) {
    return was + " with the prompt \"" + trained.prompt + "\", not \"" + now.prompt + "\" (drop --prompt/--prompt-text to use the trained one)";
  }
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < std::min(trained.fingerprint.size(), now.fingerprint.size()); ++i) {
    ab += double(trained.fingerprint[i]) * now.fingerprint[i];
    aa += double(trained.fingerprint[i]) * trained.fingerprint[i];
    bb += double(now.fingerprint[i]) * now.fingerprint[i];
  }
  const double cosine = aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0;
  if (trained.fingerprint.size() != now.fingerprint.size() || cosine < kSameModelCosine) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", cosine);
    return was + ", and model \"" + now.model + "\" embeds differently (fingerprint cosine " + buf +
           "): its embeddings mean nothing to this classifier; use the model it was trained with, or retrain";
  }
  return "";
}

}  // namespace gembed::tasks
