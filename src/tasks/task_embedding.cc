#include "tasks/task_embedding.h"

#include <filesystem>

#include "base/error.h"
#include "embedder/embeddinggemma_prompts.h"
#include "tasks/progress.h"

namespace gembed::tasks {

namespace {
// Items per Embed call: large enough to fill batches, small enough for lively progress.
constexpr size_t kChunk = 64;
}  // namespace

bool IsDocumentPrompt(const std::string& name) { return name == "document" || name == "Retrieval-document"; }

TaskPrompt ResolveTaskPrompt(const Embedder& model, const std::string& task_default, const std::string& flag_name,
                             const std::optional<std::string>& flag_text) {
  if (flag_text) return {std::nullopt, *flag_text, false};
  const auto& prompts = model.prompts();
  if (!flag_name.empty()) {
    auto it = prompts.find(flag_name);
    if (it == prompts.end()) {
      std::string names;
      for (const auto& [n, _] : prompts) names += (names.empty() ? "" : ", ") + n;
      throw Error("the model has no prompt named \"" + flag_name + "\"" + (names.empty() ? " (it has none)" : " (it has: " + names + ")"));
    }
    return {flag_name, it->second, IsDocumentPrompt(flag_name)};
  }
  if (auto it = prompts.find(task_default); it != prompts.end()) return {task_default, it->second, IsDocumentPrompt(task_default)};
  for (const auto& [n, text] : EmbeddingGemmaPrompts()) {
    if (n == task_default) return {task_default, text, IsDocumentPrompt(task_default)};
  }
  return {std::nullopt, "", false};
}

std::string DescribePrompt(const TaskPrompt& p) {
  if (p.text.empty() && !p.name) return "none";
  return (p.name ? *p.name : std::string("custom")) + " (\"" + p.text + "\")";
}

std::string ModelName(const Embedder& model) {
  std::filesystem::path p(model.model().path);
  if (p.filename().empty()) p = p.parent_path();  // "dir/" → "dir"
  return p.filename().string();
}

EmbeddingMatrix EmbedItems(const Embedder& model, const Items& items, const TaskEmbedOptions& options,
                           const std::vector<size_t>* which) {
  std::vector<size_t> all;
  if (which == nullptr) {
    all.resize(items.items.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    which = &all;
  }
  EmbedOptions eo;
  eo.prompt = options.prompt.text;
  eo.dim = options.dim;
  eo.batch_size = options.batch;
  eo.strict = options.strict;
  EmbeddingMatrix m;
  Progress progress = Progress::ForStderr("embedding", which->size());
  for (size_t start = 0; start < which->size(); start += kChunk) {
    const size_t end = std::min(which->size(), start + kChunk);
    std::vector<EmbedInput> inputs;
    for (size_t w = start; w < end; ++w) {
      const TaskItem& item = items.items[(*which)[w]];
      EmbedInput in{.text = item.text};
      if (options.prompt.document_form && item.title) in.title = item.title;
      inputs.push_back(std::move(in));
    }
    std::vector<EmbedResult> results;
    try {
      results = model.Embed(inputs, eo);
    } catch (const InputError& e) {
      throw Error(items.Where((*which)[start + e.index()]) + ": " + e.detail());
    }
    size_t tokens = 0;
    for (const EmbedResult& r : results) {
      m.Append(r.embedding);
      tokens += r.tokens;
    }
    progress.Add(results.size(), tokens);
  }
  progress.Finish();
  return m;
}

}  // namespace gembed::tasks
