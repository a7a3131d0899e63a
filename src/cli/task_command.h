// What the task commands (similar, cluster, classify, dedup) share: reading the items,
// loading the model, resolving the task's prompt, and printing items.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "embedder/embedder.h"
#include "tasks/task_embedding.h"
#include "tasks/task_items.h"

namespace gembed::cli {

struct TaskSession {
  tasks::Items items;
  std::unique_ptr<Embedder> model;
  tasks::TaskEmbedOptions embed;
};

// Reads the items first (a bad input fails before the slow model load), with --skip-bad
// notices on stderr, then loads the model and resolves the prompt: --prompt-text, else
// --prompt, else `default_text` when given (a classifier's own prompt), else the model's
// prompt named `default_name`.
TaskSession OpenTask(const TaskArgs& args, const std::string& default_name,
                     const std::optional<std::string>& default_text = std::nullopt);

// One line of at most max_chars characters (whitespace runs become one space; cut at a
// UTF-8 character boundary, with "…"): how texts appear in human output.
std::string Shorten(const std::string& text, size_t max_chars = 72);

// Appends "\"id\": …, \"index\": N" for item `index` (0-based input order).
void AppendItemFields(std::string* s, const tasks::Items& items, size_t index);

// A score for human output: "%.4f", right-aligned in `width` characters.
std::string Score(double v, int width = 0);

}  // namespace gembed::cli
