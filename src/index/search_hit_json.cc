#include "index/search_hit_json.h"

namespace gembed::index {

nlohmann::json SearchHitJson(const SearchHit& h) {
  nlohmann::json j;
  j["score"] = h.score;
  j["id"] = h.id;
  j["title"] = h.title;
  j["text"] = h.text;
  j["path"] = h.path;
  j["lines"] = {h.line_start, h.line_end};
  // Stored metadata was written from JSON; an unreadable value still gives a hit.
  j["metadata"] = nlohmann::json::parse(h.metadata_json.empty() ? "{}" : h.metadata_json, nullptr, false);
  if (j["metadata"].is_discarded()) j["metadata"] = nlohmann::json::object();
  const size_t hash = h.key.rfind('#');
  if (hash != std::string::npos && h.key.compare(0, hash, h.path) == 0) j["record_id"] = h.key.substr(hash + 1);
  if (h.answer) j["answer"] = *h.answer;
  return j;
}

}  // namespace gembed::index
