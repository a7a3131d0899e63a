#include "cli/input_reader.h"

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace gembed::cli {

using nlohmann::json;

JsonlReader::JsonlReader(const std::string& path) : source_(path == "-" ? "stdin" : path) {
  if (path == "-") {
    in_ = &std::cin;
  } else {
    auto f = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*f) throw Error("cannot open input file " + path);
    in_ = f.get();
    owned_ = std::move(f);
  }
}

JsonlReader::~JsonlReader() = default;

EmbedInput ParseInputLine(const std::string& line, const std::string& where) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    throw Error(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(where + ": expected a JSON object like {\"text\": \"…\"}");
  EmbedInput in;
  auto str = [&](const char* key) -> std::optional<std::string> {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_string()) throw Error(where + ": \"" + key + "\" must be a string");
    return j[key].get<std::string>();
  };
  if (j.contains("ids")) {
    const json& ids = j["ids"];
    if (!ids.is_array()) throw Error(where + ": \"ids\" must be an array of token ids");
    std::vector<int32_t> v;
    for (const json& id : ids) {
      if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() > INT32_MAX) {
        throw Error(where + ": \"ids\" holds " + id.dump() + ", not a token id");
      }
      v.push_back(static_cast<int32_t>(id.get<long long>()));
    }
    in.ids = std::move(v);
    return in;
  }
  auto text = str("text");
  if (!text) throw Error(where + ": needs \"text\" (a string) or \"ids\" (an array)");
  in.text = std::move(*text);
  in.title = str("title");
  in.prompt_name = str("prompt_name");
  in.prompt = str("prompt");
  return in;
}

bool JsonlReader::Next(size_t max_items, std::vector<InputLine>* out) {
  std::string line;
  size_t added = 0;
  while (added < max_items && std::getline(*in_, line)) {
    ++line_;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out->push_back({ParseInputLine(line, source_ + " line " + std::to_string(line_)), line_});
    ++added;
  }
  if (in_->bad()) throw Error("error reading " + source_);
  return added > 0;
}

}  // namespace gembed::cli
