#include "tokenizer/json_fields.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include <sys/stat.h>

#include "base/error.h"

namespace gembed::tok {
namespace {

namespace od = simdjson::ondemand;

simdjson::error_code Walk(od::value value, int depth);

simdjson::error_code WalkFields(od::object object, int depth) {
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return e;
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    if (auto e = Walk(field.value(), depth + 1)) return e;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code Walk(od::value value, int depth) {
  if (depth > 256) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = value.get_object().get(object)) return e;
      return WalkFields(object, depth);
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = value.get_array().get(array)) return e;
      for (auto element_result : array) {
        od::value element;
        if (auto e = std::move(element_result).get(element)) return e;
        if (auto e = Walk(element, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      double d;
      return value.get_double().get(d);
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null;
      if (auto e = value.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::SUCCESS;
}

// The DOM parser reports what is wrong but not where. On that (rare) path, walk the text
// again with the on-demand parser, which can say where it stopped. Returns the byte
// offset, or npos when it cannot tell.
size_t LocateError(const simdjson::padded_string& text) {
  od::parser parser;
  od::document doc;
  if (parser.iterate(text).get(doc)) return std::string::npos;
  simdjson::error_code error = simdjson::SUCCESS;
  od::value root;
  error = doc.get_value().get(root);
  if (!error) error = Walk(root, 0);
  if (!error) return std::string::npos;
  const char* where = nullptr;
  if (doc.current_location().get(where) || where == nullptr) return std::string::npos;
  return static_cast<size_t>(where - text.data());
}

}  // namespace

std::string Quote(std::string_view s) {
  std::string out = "'";
  size_t shown = 0;
  for (char c : s) {
    if (++shown > 80) {
      out += "...";
      break;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

JsonFile::JsonFile(const std::string& path) : path_(path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    throw Error("cannot open tokenizer file '" + path + "': " + std::strerror(errno));
  }
  struct stat info;
  if (fstat(fileno(file.get()), &info) != 0) {
    throw Error("cannot read tokenizer file '" + path + "': " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) throw Error("tokenizer file '" + path + "' is not a regular file");
  // Read straight into simdjson's padded buffer: one copy of the 33 MB, not two.
  text_ = simdjson::padded_string(static_cast<size_t>(info.st_size));
  if (std::fread(text_.data(), 1, text_.size(), file.get()) != text_.size() ||
      std::ferror(file.get())) {
    throw Error("cannot read tokenizer file '" + path + "': " +
                (std::ferror(file.get()) ? std::strerror(errno) : "file shrank while reading"));
  }
  if (auto error = parser_.parse(text_).get(root_)) {
    std::string message = "malformed JSON in tokenizer file '" + path + "'";
    const size_t at = LocateError(text_);
    if (at != std::string::npos) message += " at byte " + std::to_string(at);
    throw Error(message + ": " + simdjson::error_message(error));
  }
}

void JsonFile::Fail(const std::string& where, const std::string& what) const {
  throw Error("tokenizer file '" + path_ + "': " + where + ": " + what);
}

simdjson::dom::object JsonFile::Object(simdjson::dom::element e, const std::string& where) const {
  simdjson::dom::object o;
  if (e.get(o)) Fail(where, "expected a JSON object");
  return o;
}

simdjson::dom::array JsonFile::Array(simdjson::dom::element e, const std::string& where) const {
  simdjson::dom::array a;
  if (e.get(a)) Fail(where, "expected a JSON array");
  return a;
}

std::string_view JsonFile::String(simdjson::dom::element e, const std::string& where) const {
  std::string_view s;
  if (e.get(s)) Fail(where, "expected a JSON string");
  return s;
}

int64_t JsonFile::Int(simdjson::dom::element e, const std::string& where) const {
  int64_t v;
  if (e.get(v)) Fail(where, "expected an integer");
  return v;
}

bool JsonFile::Field(simdjson::dom::object o, std::string_view key, simdjson::dom::element* e) {
  return !o.at_key(key).get(*e);
}

simdjson::dom::element JsonFile::Required(simdjson::dom::object o, std::string_view key,
                                          const std::string& where) const {
  simdjson::dom::element e;
  if (!Field(o, key, &e)) Fail(where, "missing key '" + std::string(key) + "'");
  return e;
}

bool JsonFile::Present(simdjson::dom::object o, std::string_view key, simdjson::dom::element* e) {
  return Field(o, key, e) && !e->is_null();
}

bool JsonFile::Bool(simdjson::dom::object o, std::string_view key, const std::string& where,
                    bool fallback) const {
  simdjson::dom::element e;
  if (!Present(o, key, &e)) return fallback;
  bool v;
  if (e.get(v)) Fail(where + "." + std::string(key), "expected true or false");
  return v;
}

std::string_view JsonFile::Type(simdjson::dom::object o, const std::string& where) const {
  return String(Required(o, "type", where), where + ".type");
}

}  // namespace gembed::tok
