#include "server/collection_api.h"

#include <chrono>
#include <filesystem>
#include <set>

#include "base/error.h"
#include "embedder/embedder.h"
#include "index/indexer.h"
#include "index/model_identity.h"
#include "index/search_hit_json.h"
#include "index/sources.h"
#include "server/json_request.h"

namespace gembed::server {

using nlohmann::json;

namespace {

bool IsBlank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

const json* Member(const json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

std::string StringField(const json& j, const char* name, const std::string& where, bool required) {
  const json* v = Member(j, name);
  if (v == nullptr) {
    if (required) throw ApiError(ErrorKind::kInvalid, "'" + where + name + "' is required", where + name);
    return "";
  }
  if (!v->is_string()) throw ApiError(ErrorKind::kInvalid, "'" + where + name + "' must be a string", where + name);
  return v->get<std::string>();
}

}  // namespace

std::shared_ptr<index::Collection> OpenServedCollection(const Embedder& embedder, const std::string& model_path,
                                                        const std::string& path) {
  std::error_code ec;
  const bool missing = !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  if (!missing) {
    std::shared_ptr<index::Collection> c = index::Collection::Open(path);
    c->CheckModel(index::IdentifyModel(embedder, model_path));
    return c;
  }
  // The defaults of `gembed index --db PATH` for a new collection.
  index::CollectionSettings s;
  s.dim = embedder.output_dim();
  if (!embedder.prompts().count(s.query_prompt)) {
    throw Error("model " + model_path + " has no prompt named \"" + s.query_prompt + "\" (needed to create collection " + path + ")");
  }
  // An absolute model path is recorded, so that `gembed search --db PATH` finds the model.
  std::string recorded = model_path;
  if (std::filesystem::exists(model_path, ec)) recorded = std::filesystem::absolute(model_path, ec).lexically_normal().string();
  return index::Collection::Create(path, s, index::IdentifyModel(embedder, recorded));
}

CollectionApi::CollectionApi(const Embedder& embedder, const std::string& model_path,
                             std::vector<ServedCollection> collections, size_t max_inputs)
    : embedder_(embedder), max_inputs_(max_inputs) {
  if (collections.empty()) return;
  const index::ModelIdentity identity = index::IdentifyModel(embedder, model_path);
  for (ServedCollection& c : collections) {
    if (c.name.empty() || c.name.find_first_of("/?#% ") != std::string::npos) {
      throw Error("collection name \"" + c.name + "\" must be non-empty, without '/', '?', '#', '%' or spaces");
    }
    if (c.collection == nullptr) throw Error("collection \"" + c.name + "\" is not open");
    c.collection->CheckModel(identity);
    if (!collections_.emplace(c.name, c.collection).second) throw Error("collection name \"" + c.name + "\" given twice");
  }
}

index::Collection& CollectionApi::Find(const std::string& name) const {
  auto it = collections_.find(name);
  if (it == collections_.end()) throw ApiError(ErrorKind::kNotFound, "no collection named \"" + name + "\"");
  return *it->second;
}

HttpReply CollectionApi::List() const {
  json out = json::array();
  for (const auto& [name, c] : collections_) {
    out.push_back({{"name", name},
                   {"documents", c->document_count()},
                   {"chunks", c->chunk_count()},
                   {"dim", c->settings().dim},
                   {"storage", std::string(index::StorageName(c->settings().storage))},
                   {"kind", c->settings().kind}});
  }
  return {200, Dump(out)};
}

HttpReply CollectionApi::Search(const std::string& name, const std::string& body) const {
  try {
    index::Collection& c = Find(name);
    const json request = ParseBody(body);
    const std::string query = StringField(request, "query", "", true);
    if (IsBlank(query)) throw ApiError(ErrorKind::kEmpty, "'query' is empty", "query");
    index::SearchOptions opt;
    if (const json* k = Member(request, "k")) {
      if (!k->is_number_integer() || k->get<int64_t>() < 1 || k->get<int64_t>() > 1000) {
        throw ApiError(ErrorKind::kInvalid, "'k' must be an integer from 1 to 1000", "k");
      }
      opt.k = static_cast<int>(k->get<int64_t>());
    }
    if (const json* h = Member(request, "hybrid")) {
      if (!h->is_boolean()) throw ApiError(ErrorKind::kInvalid, "'hybrid' must be true or false", "hybrid");
      opt.hybrid = h->get<bool>();
    }
    if (const json* w = Member(request, "where")) {
      if (!w->is_object()) throw ApiError(ErrorKind::kInvalid, "'where' must be an object of metadata key: value", "where");
      for (const auto& [key, value] : w->items()) {
        if (key.empty() || key.find_first_of("\"\\") != std::string::npos) {
          throw ApiError(ErrorKind::kInvalid, "'where' has an invalid metadata key \"" + key + "\"", "where");
        }
        if (value.is_string()) {
          opt.where.emplace_back(key, value.get<std::string>());
        } else if (value.is_number() || value.is_boolean()) {
          opt.where.emplace_back(key, value.dump());  // matches the JSON number/bool (Collection::Search)
        } else {
          throw ApiError(ErrorKind::kInvalid, "'where." + key + "' must be a string, number or boolean", "where");
        }
      }
    }
    opt.path_glob = StringField(request, "path", "", false);
    std::vector<float> q;
    try {
      q = index::EmbedQuery(embedder_, c, query);
    } catch (const InputError& e) {
      throw ApiError(ErrorKind::kTooLong, "'query': " + e.detail(), "query");
    }
    const index::SearchResult r = c.Search(q, query, opt);
    json results = json::array();
    for (const index::SearchHit& h : r.hits) results.push_back(index::SearchHitJson(h));
    return {200, Dump(json{{"results", std::move(results)}, {"method", r.method}})};
  } catch (const ApiError& e) {
    return TeiError(e);
  } catch (const Error& e) {
    return TeiError(ApiError(ErrorKind::kBackend, e.what()));
  }
}

HttpReply CollectionApi::Add(const std::string& name, const std::string& body) const {
  try {
    index::Collection& c = Find(name);
    const index::CollectionSettings& s = c.settings();
    const bool faq = s.kind == "faq";
    const json request = ParseBody(body);
    const json* docs = Member(request, "documents");
    if (docs == nullptr) throw ApiError(ErrorKind::kEmpty, "'documents' is required", "documents");
    if (!docs->is_array()) throw ApiError(ErrorKind::kInvalid, "'documents' must be an array", "documents");
    if (docs->empty()) throw ApiError(ErrorKind::kEmpty, "'documents' is empty", "documents");
    if (docs->size() > max_inputs_) {
      throw ApiError(ErrorKind::kTooLarge, "at most " + std::to_string(max_inputs_) + " documents per request (--max-inputs), got " +
                                               std::to_string(docs->size()), "documents");
    }
    // Each document as `gembed index` reads a JSONL record, keyed by its id alone.
    std::vector<index::SourceDocument> sources;
    std::set<std::string> ids;
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (size_t i = 0; i < docs->size(); ++i) {
      const json& d = (*docs)[i];
      const std::string where = "documents[" + std::to_string(i) + "].";
      if (!d.is_object()) throw ApiError(ErrorKind::kInvalid, "'documents[" + std::to_string(i) + "]' must be an object", "documents");
      index::SourceDocument src;
      src.key = StringField(d, "id", where, true);
      if (src.key.empty()) throw ApiError(ErrorKind::kInvalid, "'" + where + "id' is empty", where + "id");
      if (!ids.insert(src.key).second) throw ApiError(ErrorKind::kInvalid, "id \"" + src.key + "\" appears twice", where + "id");
      src.path = src.key;
      src.text = StringField(d, "text", where, true);
      if (IsBlank(src.text)) throw ApiError(ErrorKind::kInvalid, "'" + where + "text' is empty", where + "text");
      src.title = StringField(d, "title", where, false);
      if (faq) {
        src.kind = index::SourceKind::kFaq;
        src.answer = StringField(d, "answer", where, true);
        if (src.title.empty()) src.title = src.text;
      } else {
        src.kind = index::SourceKind::kRecord;
        src.whole_record_line = true;
      }
      if (const json* m = Member(d, "metadata")) {
        if (!m->is_object()) throw ApiError(ErrorKind::kInvalid, "'" + where + "metadata' must be an object", where + "metadata");
        src.metadata_json = m->dump();
      }
      src.mtime = now;
      src.size = static_cast<int64_t>(src.text.size());
      sources.push_back(std::move(src));
    }

    // Chunk and embed outside any lock (the embedder is thread-safe); only the write is serialised.
    std::vector<index::DocumentRecord> records;
    EmbedOptions eopt;
    eopt.dim = s.dim;
    size_t chunks_total = 0;
    for (size_t i = 0; i < sources.size(); ++i) {
      const index::SourceDocument& src = sources[i];
      const std::vector<index::Chunk> chunks = index::ChunkSource(embedder_, s, src);
      std::vector<EmbedInput> inputs;
      for (const index::Chunk& ch : chunks) inputs.push_back(index::ChunkInput(s, ch));
      std::vector<EmbedResult> vecs;
      try {
        vecs = embedder_.Embed(inputs, eopt);
      } catch (const InputError& e) {
        throw ApiError(ErrorKind::kInvalid, "documents[" + std::to_string(i) + "]: chunk " + std::to_string(e.index() + 1) + ": " + e.detail(),
                       "documents");
      }
      index::DocumentRecord rec;
      rec.key = src.key;
      rec.path = src.path;
      rec.kind = faq ? "faq" : "record";
      rec.sha256 = index::SourceHash(src, s);
      rec.mtime = src.mtime;
      rec.size = src.size;
      rec.metadata_json = src.metadata_json;
      for (size_t j = 0; j < chunks.size(); ++j) {
        index::ChunkRecord cr;
        cr.title = chunks[j].title;
        cr.text = chunks[j].text;
        if (faq) cr.answer = src.answer;
        cr.line_start = chunks[j].line_start;
        cr.line_end = chunks[j].line_end;
        cr.tokens = vecs[j].tokens;
        cr.vector = std::move(vecs[j].embedding);
        rec.chunks.push_back(std::move(cr));
      }
      chunks_total += rec.chunks.size();
      records.push_back(std::move(rec));
    }
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      c.Write(records, {});
      c.UpdateAnn();
    }
    return {200, Dump(json{{"added", records.size()}, {"chunks", chunks_total}})};
  } catch (const ApiError& e) {
    return TeiError(e);
  } catch (const Error& e) {
    return TeiError(ApiError(ErrorKind::kBackend, e.what()));
  }
}

HttpReply CollectionApi::Delete(const std::string& name, const std::string& id) const {
  try {
    index::Collection& c = Find(name);
    std::lock_guard<std::mutex> lock(write_mu_);
    bool present = false;
    for (const index::StoredDocument& d : c.Documents()) {
      if (d.key == id) {
        present = true;
        break;
      }
    }
    if (!present) throw ApiError(ErrorKind::kNotFound, "collection \"" + name + "\" has no document \"" + id + "\"");
    const std::string keys[] = {id};
    c.Write({}, keys);
    c.UpdateAnn();
    return {200, Dump(json{{"deleted", 1}})};
  } catch (const ApiError& e) {
    return TeiError(e);
  } catch (const Error& e) {
    return TeiError(ApiError(ErrorKind::kBackend, e.what()));
  }
}

}  // namespace gembed::server
