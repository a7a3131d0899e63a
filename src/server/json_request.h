// Helpers for reading request JSON: every failure is an ApiError naming the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "server/api_error.h"
#include "server/embedding_service.h"

namespace gembed::server {

nlohmann::json ParseBody(const std::string& body);  // an object, else ApiError(kInvalid)
std::string Dump(const nlohmann::json& j);           // invalid UTF-8 replaced, never throws
// Token ids of a JSON array of integers (each 0 ≤ id < 2³¹).
std::vector<int32_t> TokenIds(const nlohmann::json& a, const std::string& field);
// `field` as one input or a list: strings, integers (one token list) or lists of integers.
std::vector<ApiInput> Inputs(const nlohmann::json& v, const std::string& field);
Precision PrecisionField(const nlohmann::json& request);  // "precision", default float32
int DimensionsField(const nlohmann::json& request);       // "dimensions", default 0
// JSON array of one quantised row: ints (int8, binary) or unsigned ints (uint8, ubinary).
nlohmann::json PackedRow(const std::vector<uint8_t>& row, Precision p);

}  // namespace gembed::server
