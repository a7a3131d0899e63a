// One search hit as JSON: the fields (and names) of `gembed search --json`, which the HTTP
// server's collection search returns too, so scripts read both the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "index/collection.h"

namespace gembed::index {

// {"score", "id", "title", "text", "path", "lines": [first, last], "metadata": {…},
//  "record_id"? (JSONL records: the part of the key after '#'), "answer"? (FAQ)}
nlohmann::json SearchHitJson(const SearchHit& hit);

}  // namespace gembed::index
