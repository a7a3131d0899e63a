#include "tasks/task_items.h"

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/utf8.h"

namespace gembed::tasks {

using nlohmann::json;

namespace {

// A text the embedder can take: valid UTF-8 and not only whitespace.
void CheckText(const std::string& text, const std::string& where) {
  const size_t bad = FindInvalidUtf8(text);
  if (bad != std::string::npos) throw Error(where + ": invalid UTF-8 at byte " + std::to_string(bad));
  if (PyStrip(text).empty()) throw Error(where + ": the text is empty");
}

}  // namespace

std::string Items::Where(size_t i) const {
  if (source.empty()) return "text argument " + std::to_string(items[i].line);
  return source + " line " + std::to_string(items[i].line);
}

TaskItem ParseItemLine(const std::string& line, const std::string& where) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    throw Error(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(where + ": expected a JSON object like {\"text\": \"…\"}");
  TaskItem item;
  if (!j.contains("text")) throw Error(where + ": needs \"text\" (a string)");
  if (!j["text"].is_string()) throw Error(where + ": \"text\" must be a string");
  item.text = j["text"].get<std::string>();
  CheckText(item.text, where);
  if (j.contains("title") && !j["title"].is_null()) {
    if (!j["title"].is_string()) throw Error(where + ": \"title\" must be a string");
    item.title = j["title"].get<std::string>();
  }
  if (j.contains("id") && !j["id"].is_null()) {
    const json& id = j["id"];
    if (id.is_string()) {
      item.id = id.get<std::string>();
    } else if (id.is_number_integer()) {
      item.id = id.dump();
    } else {
      throw Error(where + ": \"id\" must be a string or an integer");
    }
  }
  if (j.contains("label") && !j["label"].is_null()) {
    const json& label = j["label"];
    if (label.is_string()) {
      item.label = label.get<std::string>();
    } else if (label.is_number() || label.is_boolean()) {
      item.label = label.dump();
    } else {
      throw Error(where + ": \"label\" must be a string or a number");
    }
  }
  return item;
}

Items ReadItemStream(std::istream& in, const std::string& name, bool jsonl, bool skip_bad,
                     const std::function<void(const std::string&)>& notice) {
  Items out;
  out.source = name;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = name + " line " + std::to_string(n);
    try {
      TaskItem item;
      if (jsonl) {
        item = ParseItemLine(line, where);
      } else {
        CheckText(line, where);
        item.text = line;
      }
      item.line = n;
      if (item.id.empty()) item.id = std::to_string(n);
      out.items.push_back(std::move(item));
    } catch (const Error& e) {
      if (!skip_bad) throw;
      ++out.skipped;
      if (notice) notice(std::string(e.what()) + " (skipped)");
    }
  }
  if (in.bad()) throw Error("error reading " + name);
  return out;
}

Items ReadItems(const ItemSource& source, const std::function<void(const std::string&)>& notice) {
  const int given = !source.jsonl.empty() + !source.lines.empty() + !source.texts.empty();
  if (given == 0) throw Error("no items: give TEXT arguments, --input FILE|- (JSONL) or --lines FILE|-");
  if (given > 1) throw Error("give only one of TEXT arguments, --input and --lines");
  Items items;
  if (!source.texts.empty()) {
    for (size_t i = 0; i < source.texts.size(); ++i) {
      TaskItem item{.id = std::to_string(i + 1), .text = source.texts[i], .line = i + 1};
      CheckText(item.text, "text argument " + std::to_string(i + 1));
      items.items.push_back(std::move(item));
    }
  } else {
    const bool jsonl = !source.jsonl.empty();
    const std::string& path = jsonl ? source.jsonl : source.lines;
    if (path == "-") {
      items = ReadItemStream(std::cin, "stdin", jsonl, source.skip_bad, notice);
    } else {
      std::ifstream f(path, std::ios::binary);
      if (!f) throw Error("cannot open input file " + path);
      items = ReadItemStream(f, path, jsonl, source.skip_bad, notice);
    }
  }
  if (items.items.empty()) {
    throw Error(items.skipped ? "no valid items: all " + std::to_string(items.skipped) + " lines were bad" : "no items: the input is empty");
  }
  return items;
}

}  // namespace gembed::tasks
