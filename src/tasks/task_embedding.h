// Embedding task items with the prompt the model card gives for the task.
//
// EmbeddingGemma's card (config_sentence_transformers.json) names a prompt per task:
// "Clustering" → "task: clustering | query: ", "Classification" → "task: classification |
// query: ", "STS" → "task: sentence similarity | query: ", "document" → "title: none |
// text: ", … Each command has a default name, overridable by --prompt NAME (a name the
// model defines) or --prompt-text STR (any string, "" for none).
#pragma once

#include <optional>
#include <string>

#include "embedder/embedder.h"
#include "tasks/embedding_matrix.h"
#include "tasks/task_items.h"

namespace gembed::tasks {

struct TaskPrompt {
  std::optional<std::string> name;  // the prompt's name, when it has one
  std::string text;                 // the string put before each text
  bool document_form = false;       // "document" prompts: an item's title goes into "title: … | text: "
};

// flag_text (when given) wins, then flag_name (must be one of the model's prompts), then
// the task's default: the model's prompt of that name, else EmbeddingGemma's (a folder
// without prompts still gets the card's), else none. Throws gembed::Error for an unknown
// --prompt name, listing the model's.
TaskPrompt ResolveTaskPrompt(const Embedder& model, const std::string& task_default, const std::string& flag_name,
                             const std::optional<std::string>& flag_text);

// The prompts that take a document's title ("title: {title} | text: ").
bool IsDocumentPrompt(const std::string& name);

// "STS (task: sentence similarity | query: )" / "custom (…)" / "none": for headers.
std::string DescribePrompt(const TaskPrompt& p);

struct TaskEmbedOptions {
  TaskPrompt prompt;
  int dim = 0;
  int batch = 32;
  bool strict = false;
};

// Embeds items[i].text for every i in `which` (all items when null), in chunks, showing
// progress on a terminal. An input the model refuses becomes gembed::Error naming its line.
EmbeddingMatrix EmbedItems(const Embedder& model, const Items& items, const TaskEmbedOptions& options,
                           const std::vector<size_t>* which = nullptr);

// The model's name for messages and model files: its folder or file name.
std::string ModelName(const Embedder& model);

}  // namespace gembed::tasks
