#include "io/json_file.h"

#include "base/error.h"
#include "base/mapped_file.h"

namespace gembed {

nlohmann::json ParseJson(const std::string& text, const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": malformed JSON: " + e.what());
  }
}

nlohmann::json ReadJsonFile(const std::string& path) {
  if (!FileExists(path)) throw Error("missing file " + path);
  return ParseJson(ReadTextFile(path), path);
}

}  // namespace gembed
