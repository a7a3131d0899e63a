// Reading the small JSON files of a model folder (configs, modules.json, indexes) with
// errors that name the file: "missing file X", "X: malformed JSON: …".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace gembed {

// Parses the file; throws gembed::Error if it is missing, unreadable or not valid JSON.
nlohmann::json ReadJsonFile(const std::string& path);
// Parses text that came from `path` (for messages); throws gembed::Error if not valid JSON.
nlohmann::json ParseJson(const std::string& text, const std::string& path);

}  // namespace gembed
