#include "cli/task_command.h"

#include <cstdio>

#include "base/error.h"
#include "cli/output_writer.h"

namespace gembed::cli {

TaskSession OpenTask(const TaskArgs& args, const std::string& default_name, const std::optional<std::string>& default_text) {
  if (!args.prompt.empty() && args.has_prompt_text) throw Error("give --prompt or --prompt-text, not both");
  TaskSession s;
  s.items = tasks::ReadItems({.jsonl = args.input, .lines = args.lines, .texts = args.texts, .skip_bad = args.skip_bad},
                             [](const std::string& notice) { std::fprintf(stderr, "gembed: %s\n", notice.c_str()); });
  if (s.items.skipped > 0) {
    std::fprintf(stderr, "gembed: skipped %zu bad line%s of %s\n", s.items.skipped, s.items.skipped == 1 ? "" : "s",
                 s.items.source.c_str());
  }
  s.model = Embedder::Load(ResolveModelPath(args.model), {.threads = args.threads, .weights = args.weights});
  std::optional<std::string> text = args.has_prompt_text ? std::optional<std::string>(args.prompt_text) : std::nullopt;
  if (!text && args.prompt.empty() && default_text) {
    s.embed.prompt = {default_name.empty() ? std::nullopt : std::optional<std::string>(default_name), *default_text,
                      tasks::IsDocumentPrompt(default_name)};
  } else {
    s.embed.prompt = tasks::ResolveTaskPrompt(*s.model, default_name, args.prompt, text);
  }
  s.embed.dim = args.dim;
  s.embed.batch = args.batch;
  s.embed.strict = args.strict;
  return s;
}

std::string Shorten(const std::string& text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool space = false;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;  // the items are valid UTF-8
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      ++i;
      continue;
    }
    if (space) {
      out += ' ';
      ++chars;
      space = false;
    }
    if (chars + 1 >= max_chars && i + len < text.size()) {
      out += "…";
      return out;
    }
    out.append(text, i, len);
    ++chars;
    i += len;
  }
  return out;
}

void AppendItemFields(std::string* s, const tasks::Items& items, size_t index) {
  *s += "\"id\": ";
  AppendJsonString(s, items.items[index].id);
  *s += ", \"index\": " + std::to_string(index);
}

std::string Score(double v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%*.4f", width, v);
  return buf;
}

}  // namespace gembed::cli
