// Reading tokenizer.json with simdjson's DOM API, with error messages that name the file
// and the JSON key path ("model.merges[12]") of whatever is wrong.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace gembed::tok {

class JsonFile {
 public:
  // Reads and parses `path`; throws gembed::Error for a missing/unreadable file or
  // malformed JSON (with the byte offset of the error where simdjson can tell).
  explicit JsonFile(const std::string& path);

  simdjson::dom::element root() const { return root_; }
  const std::string& path() const { return path_; }

  // Throws gembed::Error("tokenizer file '<path>': <where>: <what>").
  [[noreturn]] void Fail(const std::string& where, const std::string& what) const;

  // Typed access; `where` is the key path of `e` (or of the object for fields).
  simdjson::dom::object Object(simdjson::dom::element e, const std::string& where) const;
  simdjson::dom::array Array(simdjson::dom::element e, const std::string& where) const;
  std::string_view String(simdjson::dom::element e, const std::string& where) const;
  int64_t Int(simdjson::dom::element e, const std::string& where) const;

  // A field of an object; false when absent.
  static bool Field(simdjson::dom::object o, std::string_view key, simdjson::dom::element* e);
  // A field that must be present.
  simdjson::dom::element Required(simdjson::dom::object o, std::string_view key,
                                  const std::string& where) const;
  // A field that may be absent or null.
  static bool Present(simdjson::dom::object o, std::string_view key, simdjson::dom::element* e);
  bool Bool(simdjson::dom::object o, std::string_view key, const std::string& where,
            bool fallback) const;
  // The "type" of a component object.
  std::string_view Type(simdjson::dom::object o, const std::string& where) const;

 private:
  std::string path_;
  simdjson::padded_string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

// Renders a string for an error message: quoted, control characters escaped, cut short.
std::string Quote(std::string_view s);

}  // namespace gembed::tok
