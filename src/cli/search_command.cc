// gembed search --db FILE [--model M] [-k N] [--json] QUERY (docs/collections.md).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/commands.h"
#include "embedder/embedder.h"
#include "index/collection.h"
#include "index/indexer.h"
#include "index/search_hit_json.h"

namespace gembed::cli {
namespace {

// The path as the user is likely to have typed it: relative when under the current folder.
std::string ShownPath(const std::string& path) {
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string() + "/";
  if (!ec && path.compare(0, cwd.size(), cwd) == 0) return path.substr(cwd.size());
  return path;
}

std::string OneLine(const std::string& text, size_t max_bytes) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= max_bytes) {
      // Do not cut a UTF-8 sequence in half.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      out += "…";
      return out;
    }
  }
  return out;
}

}  // namespace

int RunSearch(const SearchArgs& a) {
  if (a.exact && a.ann) throw Error("--exact and --ann exclude each other");
  auto collection = index::Collection::Open(a.db, /*verify=*/false);
  const std::string model_path = a.model.empty() ? collection->model().model : a.model;
  auto embedder = Embedder::Load(model_path, {.threads = a.threads, .weights = a.weights});
  collection->CheckModel(index::IdentifyModel(*embedder, model_path));

  index::SearchOptions opt;
  opt.k = a.k;
  opt.method = a.exact ? index::SearchMethod::kExact : a.ann ? index::SearchMethod::kAnn : index::SearchMethod::kAuto;
  opt.hybrid = a.hybrid;
  opt.path_glob = a.path;
  opt.ef = a.ef;
  for (const std::string& w : a.where) {
    const size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--where expects KEY=VALUE, got \"" + w + "\"");
    opt.where.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  const std::vector<float> q = index::EmbedQuery(*embedder, *collection, a.query, a.prompt);
  const index::SearchResult r = collection->Search(q, a.query, opt);

  if (a.json) {
    nlohmann::json results = nlohmann::json::array();
    for (const index::SearchHit& h : r.hits) results.push_back(index::SearchHitJson(h));
    nlohmann::json out = {{"results", std::move(results)}, {"method", r.method}};
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (r.hits.empty()) {
    std::fprintf(stderr, "gembed: no results\n");
    return 0;
  }
  for (size_t i = 0; i < r.hits.size(); ++i) {
    const index::SearchHit& h = r.hits[i];
    std::string where = ShownPath(h.path);
    where.append(":").append(std::to_string(h.line_start));
    if (h.line_end != h.line_start) where.append("-").append(std::to_string(h.line_end));
    if (h.answer) {
      std::printf("%zu. %.4f  %s\n   Q: %s\n   A: %s\n", i + 1, h.score, where.c_str(), OneLine(h.text, 200).c_str(),
                  h.answer->c_str());
    } else {
      std::printf("%zu. %.4f  %s  %s\n   %s\n", i + 1, h.score, where.c_str(), h.title.c_str(), OneLine(h.text, 200).c_str());
    }
  }
  return 0;
}

}  // namespace gembed::cli
