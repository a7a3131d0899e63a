// Reading tokenizer.json, with error messages that name the file and the JSON key path
// ("model.merges[12]") of whatever is wrong.
//
// The file is memory-mapped and read once, front to back, by a strict JSON scanner of
// our own. The two bulk values (model.vocab: 262k entries, model.merges: 515k pairs, 30
// of Gemma's 33 MB) go straight to a BulkSink as they are read, and the pages behind the
// scanner are released, so neither the text nor a DOM of them is ever held whole. The
// rest (the "skeleton": the file with those two values replaced by {} and []) is a few
// MB, parsed with simdjson's DOM for the loader's typed access below.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::tok {

// What a model.merges item is, as the DOM loader told them apart.
enum class MergeItem {
  kPair,      // a [left, right] array of two strings
  kLine,      // a string ("left right" in older files)
  kBadArray,  // an array of anything else
  kOther,     // a value of another type
};

// Receives model.vocab and model.merges (the first "vocab" / "merges" key of the first
// top-level "model" object, when they are an object / an array: the values a DOM walk's
// at_key would find) while the file is read. The string views are valid only during the
// call. The file is not yet known to be well-formed JSON: a sink should keep its errors
// until the loader gets to these keys (JSON syntax errors are reported first).
class BulkSink {
 public:
  virtual ~BulkSink() = default;
  // A model.vocab entry in file order. `is_int`: the value is an integer that fits an
  // int64 (what simdjson's get<int64_t> accepts), then in `id`.
  virtual void VocabEntry(std::string_view token, bool is_int, int64_t id) = 0;
  virtual void VocabEnd() = 0;
  // A model.merges item in file order: for kPair, `a` and `b` are left and right; for
  // kLine, `a` is the string.
  virtual void MergesItem(MergeItem kind, std::string_view a, std::string_view b) = 0;
  virtual void MergesEnd() = 0;
};

class JsonFile {
 public:
  // Reads and parses `path`, streaming model.vocab and model.merges into `bulk` (when not
  // null; then the DOM holds {} and [] in their place). Throws gembed::Error for a
  // missing/unreadable file or malformed JSON (with the byte offset of the error).
  explicit JsonFile(const std::string& path, BulkSink* bulk = nullptr);

  simdjson::dom::element root() const { return root_; }
  const std::string& path() const { return path_; }
  // Whether model.vocab / model.merges went to the BulkSink.
  bool vocab_streamed() const { return vocab_streamed_; }
  bool merges_streamed() const { return merges_streamed_; }

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
  std::string text_;  // the skeleton, then SIMDJSON_PADDING spaces
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  bool vocab_streamed_ = false;
  bool merges_streamed_ = false;
};

// Renders a string for an error message: quoted, control characters escaped, cut short.
std::string Quote(std::string_view s);

}  // namespace gembed::tok
