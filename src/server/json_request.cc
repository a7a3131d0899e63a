#include "server/json_request.h"

#include "base/error.h"

namespace gembed::server {

using nlohmann::json;

json ParseBody(const std::string& body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    throw ApiError(ErrorKind::kInvalid, std::string("malformed JSON body: ") + e.what());
  }
  if (!j.is_object()) throw ApiError(ErrorKind::kInvalid, "the JSON body must be an object");
  return j;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<int32_t> TokenIds(const json& a, const std::string& field) {
  std::vector<int32_t> ids;
  ids.reserve(a.size());
  for (const json& v : a) {
    if (!v.is_number_integer()) throw ApiError(ErrorKind::kInvalid, "'" + field + "' token ids must be integers", field);
    const int64_t id = v.get<int64_t>();
    if (id < 0 || id > INT32_MAX || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT32_MAX))) {
      throw ApiError(ErrorKind::kInvalid, "'" + field + "' has token id " + v.dump() + " outside 0..2147483647", field);
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

std::vector<ApiInput> Inputs(const json& v, const std::string& field) {
  const std::string kinds = "'" + field + "' must be a string, an array of strings, or an array of token arrays";
  if (v.is_null()) throw ApiError(ErrorKind::kInvalid, "'" + field + "' is required", field);
  if (v.is_string()) return {ApiInput{.text = v.get<std::string>()}};
  if (!v.is_array()) throw ApiError(ErrorKind::kInvalid, kinds, field);
  if (v.empty()) throw ApiError(ErrorKind::kEmpty, "'" + field + "' is an empty array", field);
  std::vector<ApiInput> out;
  if (v[0].is_number()) {
    out.push_back(ApiInput{.tokens = TokenIds(v, field)});  // one token array
    return out;
  }
  out.reserve(v.size());
  for (const json& item : v) {
    if (item.is_string()) {
      out.push_back(ApiInput{.text = item.get<std::string>()});
    } else if (item.is_array()) {
      out.push_back(ApiInput{.tokens = TokenIds(item, field)});
    } else {
      throw ApiError(ErrorKind::kInvalid, kinds, field);
    }
  }
  return out;
}

Precision PrecisionField(const json& request) {
  auto it = request.find("precision");
  if (it == request.end() || it->is_null()) return Precision::kFloat32;
  if (!it->is_string()) throw ApiError(ErrorKind::kInvalid, "'precision' must be a string", "precision");
  try {
    return ParsePrecision(it->get<std::string>());
  } catch (const Error& e) {
    throw ApiError(ErrorKind::kInvalid, e.what(), "precision");
  }
}

int DimensionsField(const json& request) {
  auto it = request.find("dimensions");
  if (it == request.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > (1 << 20)) {
    throw ApiError(ErrorKind::kInvalid, "'dimensions' must be a positive integer", "dimensions");
  }
  return static_cast<int>(it->get<int64_t>());
}

json PackedRow(const std::vector<uint8_t>& row, Precision p) {
  json a = json::array();
  const bool is_signed = p == Precision::kInt8 || p == Precision::kBinary;
  for (uint8_t b : row) {
    if (is_signed) {
      a.push_back(static_cast<int>(static_cast<int8_t>(b)));
    } else {
      a.push_back(static_cast<unsigned>(b));
    }
  }
  return a;
}

}  // namespace gembed::server
