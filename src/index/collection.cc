#include "index/collection.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "index/ann_distance.h"
#include "index/ann_index.h"
#include "index/sqlite_db.h"

namespace gembed::index {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE collection (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  kind TEXT NOT NULL,
  mtime INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  indexed_at INTEGER NOT NULL);
CREATE INDEX documents_path ON documents(path);
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  doc_id INTEGER NOT NULL REFERENCES documents(id),
  ordinal INTEGER NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  answer TEXT,
  line_start INTEGER NOT NULL,
  line_end INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  vector BLOB NOT NULL);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE VIRTUAL TABLE chunks_fts USING fts5(title, text);
CREATE TABLE ann (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL, vectors INTEGER NOT NULL, data BLOB NOT NULL);
)sql";

void Configure(SqliteDb& db) {
  // WAL: readers (a search) never block the indexer; FULL: a commit is on disk when it returns.
  db.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

std::string ProbeJson(const std::vector<float>& v) { return nlohmann::json(v).dump(); }

// Turns free text into an FTS5 query: every word quoted (so FTS syntax in the text is
// literal), any word may match (OR); BM25 ranks documents with more of them higher.
std::string FtsQuery(const std::string& text) {
  std::string q, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!q.empty()) q += " OR ";
    q += "\"" + word + "\"";
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80 || c == '_') {
      word += static_cast<char>(c);
    } else {
      flush();
    }
  }
  flush();
  return q;
}

}  // namespace

Collection::Collection(std::string path, std::unique_ptr<SqliteDb> db) : path_(std::move(path)), db_(std::move(db)) {}
Collection::~Collection() = default;

std::unique_ptr<Collection> Collection::Create(const std::string& path, const CollectionSettings& s,
                                               const ModelIdentity& model) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) > 0) {
    throw Error("database " + path + ": already exists (open it instead of creating it)");
  }
  if (s.dim < 1) throw Error("collection dimension must be positive");
  if (s.kind != "documents" && s.kind != "faq") throw Error("collection kind must be documents or faq");
  auto db = std::make_unique<SqliteDb>(path, /*create=*/true);
  Configure(*db);
  {
    Transaction tx(*db);
    db->Exec(kSchema);
    Statement put(*db, "INSERT INTO collection(key, value) VALUES (?, ?)");
    const std::map<std::string, std::string> meta = {
        {"schema_version", std::to_string(kSchemaVersion)},
        {"model", model.model},
        {"model_structure", model.structure},
        {"model_probe", ProbeJson(model.probe)},
        {"model_fingerprint", model.fingerprint},
        {"dim", std::to_string(s.dim)},
        {"storage", std::string(StorageName(s.storage))},
        {"chunk_tokens", std::to_string(s.chunk_tokens)},
        {"overlap", std::to_string(s.overlap)},
        {"kind", s.kind},
        {"document_prompt", s.document_prompt},
        {"query_prompt", s.query_prompt},
        {"ann_threshold", std::to_string(s.ann_threshold)},
        {"generation", "0"},
    };
    for (const auto& [k, v] : meta) put.Bind(1, k).Bind(2, v).Run();
    tx.Commit();
  }
  std::unique_ptr<Collection> c(new Collection(path, std::move(db)));
  c->LoadSettings();
  c->ann_log_generation_ = 0;
  return c;
}

std::unique_ptr<Collection> Collection::Open(const std::string& path, bool verify) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("database " + path + ": no such file");
  auto db = std::make_unique<SqliteDb>(path, /*create=*/false);
  try {
    // A file that is not SQLite fails here ("file is not a database"); a damaged one
    // fails the quick check. Either way the user learns which file and what is wrong.
    Statement check(*db, verify ? "PRAGMA quick_check" : "SELECT 'ok' FROM sqlite_schema LIMIT 1");
    std::string problems;
    while (check.Step()) {
      const std::string row = check.Text(0);
      if (row != "ok" && problems.size() < 300) problems += (problems.empty() ? "" : "; ") + row;
    }
    if (!problems.empty()) throw Error("database " + path + ": corrupt (" + problems + ")");
    Configure(*db);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " — not a readable gembed collection");
  }
  std::unique_ptr<Collection> c(new Collection(path, std::move(db)));
  c->LoadSettings();
  {
    // A graph that is current now can be updated incrementally by this object's writes.
    Statement q(*c->db_, "SELECT generation FROM ann WHERE id = 1");
    const int64_t gen = c->GenerationLocked();
    c->ann_log_generation_ = q.Step() && q.Int(0) == gen ? gen : -1;
  }
  return c;
}

void Collection::LoadSettings() {
  std::map<std::string, std::string> meta;
  try {
    Statement q(*db_, "SELECT key, value FROM collection");
    while (q.Step()) meta[q.Text(0)] = q.Text(1);
  } catch (const Error&) {
    throw Error("database " + path_ + ": not a gembed collection (no collection table)");
  }
  auto get = [&](const char* key) -> const std::string& {
    auto it = meta.find(key);
    if (it == meta.end()) throw Error("database " + path_ + ": not a gembed collection (missing \"" + key + "\")");
    return it->second;
  };
  auto get_int = [&](const char* key) -> int64_t {
    const std::string& v = get(key);
    try {
      size_t used = 0;
      const long long x = std::stoll(v, &used);
      if (used != v.size()) throw std::invalid_argument(v);
      return x;
    } catch (const std::exception&) {
      throw Error("database " + path_ + ": collection field \"" + std::string(key) + "\" is not a number: " + v);
    }
  };
  const int64_t version = get_int("schema_version");
  if (version != kSchemaVersion) {
    throw Error("database " + path_ + ": collection schema version " + std::to_string(version) +
                ", this gembed reads version " + std::to_string(kSchemaVersion));
  }
  settings_.dim = static_cast<int>(get_int("dim"));
  settings_.storage = ParseStorage(get("storage"));
  settings_.chunk_tokens = static_cast<int>(get_int("chunk_tokens"));
  settings_.overlap = static_cast<int>(get_int("overlap"));
  settings_.kind = get("kind");
  settings_.document_prompt = get("document_prompt");
  settings_.query_prompt = get("query_prompt");
  settings_.ann_threshold = get_int("ann_threshold");
  model_.model = get("model");
  model_.structure = get("model_structure");
  model_.fingerprint = get("model_fingerprint");
  try {
    model_.probe = nlohmann::json::parse(get("model_probe")).get<std::vector<float>>();
  } catch (const nlohmann::json::exception&) {
    throw Error("database " + path_ + ": collection field \"model_probe\" is malformed");
  }
  if (settings_.dim < 1) throw Error("database " + path_ + ": collection dimension " + std::to_string(settings_.dim) + " is invalid");
}

void Collection::CheckModel(const ModelIdentity& other) const {
  if (model_.SameModel(other)) return;
  throw Error("collection " + path_ + " was built with " + model_.model + " (fingerprint " + model_.fingerprint +
              "); this model " + other.model + " (fingerprint " + other.fingerprint +
              ") differs — use the same model or a new --db");
}

void Collection::SetChunking(int chunk_tokens, int overlap) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement put(*db_, "UPDATE collection SET value = ? WHERE key = ?");
  put.Bind(1, std::to_string(chunk_tokens)).Bind(2, std::string_view("chunk_tokens")).Run();
  put.Bind(1, std::to_string(overlap)).Bind(2, std::string_view("overlap")).Run();
  tx.Commit();
  settings_.chunk_tokens = chunk_tokens;
  settings_.overlap = overlap;
}

int64_t Collection::GenerationLocked() const {
  Statement q(*db_, "SELECT value FROM collection WHERE key = 'generation'");
  return q.Step() ? std::stoll(q.Text(0)) : 0;
}

int64_t Collection::generation() const {
  std::lock_guard lock(mu_);
  return GenerationLocked();
}

std::vector<StoredDocument> Collection::Documents() const {
  std::lock_guard lock(mu_);
  std::vector<StoredDocument> out;
  Statement q(*db_, "SELECT id, key, path, sha256 FROM documents ORDER BY id");
  while (q.Step()) out.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3)});
  return out;
}

int64_t Collection::document_count() const {
  std::lock_guard lock(mu_);
  Statement q(*db_, "SELECT count(*) FROM documents");
  q.Step();
  return q.Int(0);
}

int64_t Collection::chunk_count() const {
  std::lock_guard lock(mu_);
  Statement q(*db_, "SELECT count(*) FROM chunks");
  q.Step();
  return q.Int(0);
}

void Collection::Write(std::span<const DocumentRecord> upserts, std::span<const std::string> remove) {
  std::lock_guard lock(mu_);
  const size_t bytes = EncodedBytes(settings_.storage, settings_.dim);
  std::vector<int64_t> added, removed;
  Transaction tx(*db_);
  Statement find(*db_, "SELECT id FROM documents WHERE key = ?");
  Statement chunk_ids(*db_, "SELECT id FROM chunks WHERE doc_id = ?");
  Statement del_fts(*db_, "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE doc_id = ?)");
  Statement del_chunks(*db_, "DELETE FROM chunks WHERE doc_id = ?");
  Statement del_doc(*db_, "DELETE FROM documents WHERE id = ?");
  auto drop = [&](const std::string& key) {
    find.Bind(1, key);
    const bool found = find.Step();
    const int64_t id = found ? find.Int(0) : 0;
    find.Reset();
    if (!found) return;
    chunk_ids.Bind(1, id);
    while (chunk_ids.Step()) removed.push_back(chunk_ids.Int(0));
    chunk_ids.Reset();
    del_fts.Bind(1, id).Run();
    del_chunks.Bind(1, id).Run();
    del_doc.Bind(1, id).Run();
  };
  for (const std::string& key : remove) drop(key);
  Statement ins_doc(*db_,
                    "INSERT INTO documents(key, path, kind, mtime, size, sha256, indexed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, unixepoch())");
  Statement ins_chunk(*db_,
                      "INSERT INTO chunks(doc_id, ordinal, title, text, answer, line_start, line_end, tokens, metadata, vector) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Statement ins_fts(*db_, "INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)");
  for (const DocumentRecord& d : upserts) {
    drop(d.key);
    ins_doc.Bind(1, d.key).Bind(2, d.path).Bind(3, d.kind).Bind(4, d.mtime).Bind(5, d.size).Bind(6, d.sha256).Run();
    const int64_t doc_id = db_->LastInsertId();
    for (size_t i = 0; i < d.chunks.size(); ++i) {
      const ChunkRecord& c = d.chunks[i];
      if (static_cast<int>(c.vector.size()) != settings_.dim) {
        throw Error("document " + d.key + ": chunk vector has " + std::to_string(c.vector.size()) +
                    " values, the collection stores " + std::to_string(settings_.dim));
      }
      const std::string v = EncodeVector(settings_.storage, c.vector);
      if (v.size() != bytes) throw Error("internal: encoded vector size");
      ins_chunk.Bind(1, doc_id).Bind(2, static_cast<int64_t>(i)).Bind(3, c.title).Bind(4, c.text);
      if (c.answer) {
        ins_chunk.Bind(5, *c.answer);
      } else {
        ins_chunk.BindNull(5);
      }
      ins_chunk.Bind(6, int64_t{c.line_start}).Bind(7, int64_t{c.line_end}).Bind(8, int64_t{c.tokens});
      ins_chunk.Bind(9, d.metadata_json).BindBlob(10, v.data(), v.size()).Run();
      const int64_t chunk_id = db_->LastInsertId();
      added.push_back(chunk_id);
      ins_fts.Bind(1, chunk_id).Bind(2, c.title).Bind(3, c.text).Run();
    }
  }
  Statement bump(*db_, "UPDATE collection SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'");
  bump.Run();
  tx.Commit();
  // Only committed changes go into the ANN log.
  ann_added_.insert(ann_added_.end(), added.begin(), added.end());
  ann_removed_.insert(ann_removed_.end(), removed.begin(), removed.end());
  ++ann_log_writes_;
}

bool Collection::HasFreshAnn() const {
  std::lock_guard lock(mu_);
  Statement q(*db_, "SELECT generation FROM ann WHERE id = 1");
  return q.Step() && q.Int(0) == GenerationLocked();
}

bool Collection::UpdateAnn() {
  std::lock_guard lock(mu_);
  const int64_t gen = GenerationLocked();
  Statement count_q(*db_, "SELECT count(*) FROM chunks");
  count_q.Step();
  const int64_t count = count_q.Int(0);
  std::optional<int64_t> stored_gen;
  {
    Statement q(*db_, "SELECT generation FROM ann WHERE id = 1");
    if (q.Step()) stored_gen = q.Int(0);
  }
  auto reset_log = [&] {
    ann_log_generation_ = gen;
    ann_added_.clear();
    ann_removed_.clear();
    ann_log_writes_ = 0;
  };
  if (count < settings_.ann_threshold || count == 0) {
    if (stored_gen) {
      Transaction tx(*db_);
      db_->Exec("DELETE FROM ann");
      tx.Commit();
    }
    reset_log();
    return false;
  }
  if (stored_gen == gen) {
    reset_log();
    return true;
  }
  std::unique_ptr<AnnIndex> index;
  if (stored_gen && *stored_gen == ann_log_generation_ && gen == ann_log_generation_ + ann_log_writes_) {
    // Only this object wrote since the graph was built: apply its log.
    Statement q(*db_, "SELECT data FROM ann WHERE id = 1");
    q.Step();
    index = AnnIndex::Deserialize(q.Blob(0), settings_.dim);
    for (int64_t id : ann_removed_) index->Remove(id);
    Statement v(*db_, "SELECT vector FROM chunks WHERE id = ?");
    for (int64_t id : ann_added_) {
      v.Bind(1, id);
      if (v.Step()) index->Add(id, DecodeVector(settings_.storage, v.Blob(0), settings_.dim).data());
      v.Reset();
    }
  } else {
    index = std::make_unique<AnnIndex>(settings_.dim);
    std::vector<int64_t> ids;
    std::vector<float> vecs;
    Statement q(*db_, "SELECT id, vector FROM chunks ORDER BY id");
    while (q.Step()) {
      ids.push_back(q.Int(0));
      const std::vector<float> v = DecodeVector(settings_.storage, q.Blob(1), settings_.dim);
      vecs.insert(vecs.end(), v.begin(), v.end());
    }
    index->AddBatch(ids.data(), vecs.data(), ids.size(), /*threads=*/0);  // all cores
  }
  const std::string data = index->Serialize();
  Transaction tx(*db_);
  // Another writer may have committed meanwhile: store the graph only for the generation
  // it describes (a stale graph would be ignored by searches anyway).
  if (GenerationLocked() != gen) return false;
  Statement put(*db_, "INSERT OR REPLACE INTO ann(id, generation, vectors, data) VALUES (1, ?, ?, ?)");
  put.Bind(1, gen).Bind(2, static_cast<int64_t>(index->size())).BindBlob(3, data.data(), data.size()).Run();
  tx.Commit();
  ann_generation_ = gen;
  ann_ = std::move(index);
  reset_log();
  return true;
}

void Collection::LoadVectorsLocked() const {
  const int64_t gen = GenerationLocked();
  if (gen == cache_generation_) return;
  cache_ids_.clear();
  cache_bytes_.clear();
  const size_t bytes = EncodedBytes(settings_.storage, settings_.dim);
  Statement q(*db_, "SELECT id, vector FROM chunks ORDER BY id");
  while (q.Step()) {
    const std::string_view v = q.Blob(1);
    if (v.size() != bytes) {
      throw Error("database " + path_ + ": chunk " + std::to_string(q.Int(0)) + " has a " + std::to_string(v.size()) +
                  "-byte vector, expected " + std::to_string(bytes));
    }
    cache_ids_.push_back(q.Int(0));
    cache_bytes_.append(v);
  }
  cache_generation_ = gen;
}

const AnnIndex* Collection::LoadAnnLocked() const {
  const int64_t gen = GenerationLocked();
  if (ann_ && ann_generation_ == gen) return ann_.get();
  Statement q(*db_, "SELECT generation, data FROM ann WHERE id = 1");
  if (!q.Step() || q.Int(0) != gen) return nullptr;
  try {
    ann_ = AnnIndex::Deserialize(q.Blob(1), settings_.dim);
  } catch (const Error& e) {
    throw Error("database " + path_ + ": stored ANN index: " + e.what() + " (re-run gembed index to rebuild it)");
  }
  ann_generation_ = gen;
  return ann_.get();
}

std::optional<std::vector<int64_t>> Collection::FilteredIdsLocked(const SearchOptions& o) const {
  if (o.where.empty() && o.path_glob.empty()) return std::nullopt;
  std::string sql = "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE 1";
  for (size_t i = 0; i < o.where.size(); ++i) {
    // Strings compare as text; a value that is a JSON number/bool also matches that value.
    sql += " AND (json_extract(c.metadata, ?) = ? OR json_extract(c.metadata, ?) = json_extract(?, '$'))";
  }
  if (!o.path_glob.empty()) sql += " AND (d.path GLOB ? OR d.path GLOB ?)";
  sql += " ORDER BY c.id";
  Statement q(*db_, sql);
  int b = 1;
  for (const auto& [key, value] : o.where) {
    if (key.empty() || key.find_first_of("\"\\") != std::string::npos) throw Error("invalid metadata key \"" + key + "\"");
    const std::string json_path = "$.\"" + key + "\"";
    std::string as_json = value;
    if (!nlohmann::json::accept(as_json) || nlohmann::json::parse(as_json).is_string()) as_json = nlohmann::json(value).dump();
    q.Bind(b, json_path).Bind(b + 1, value).Bind(b + 2, json_path).Bind(b + 3, as_json);
    b += 4;
  }
  if (!o.path_glob.empty()) q.Bind(b, o.path_glob).Bind(b + 1, (o.path_glob[0] == '/' ? "" : "*/") + o.path_glob);
  std::vector<int64_t> ids;
  while (q.Step()) ids.push_back(q.Int(0));
  return ids;
}

std::vector<std::pair<int64_t, float>> Collection::VectorTopLocked(const float* query, int n, const SearchOptions& o,
                                                                   const std::optional<std::vector<int64_t>>& allowed,
                                                                   std::string* method) const {
  const AnnIndex* ann = nullptr;
  if (o.method != SearchMethod::kExact) {
    ann = LoadAnnLocked();
    if (!ann && o.method == SearchMethod::kAnn) {
      throw Error("collection " + path_ + " has no up-to-date ANN index (one is built by gembed index once the collection has " +
                  std::to_string(settings_.ann_threshold) + " chunks; set --ann-threshold to build one for fewer)");
    }
  }
  std::vector<std::pair<int64_t, float>> top;
  if (ann) {
    *method = "ann";
    std::vector<AnnHit> hits;
    // A wider candidate list than hnswlib's usual 64: recall@10 ≥ 0.98 even on isotropic
    // random vectors (real embeddings are easier), for well under a millisecond more.
    const int ef = o.ef > 0 ? o.ef : std::max(128, 2 * n);
    if (allowed) {
      const std::unordered_set<int64_t> keep(allowed->begin(), allowed->end());
      hits = ann->Search(query, n, [&keep](int64_t id) { return keep.count(id) > 0; }, ef);
    } else {
      hits = ann->Search(query, n, ef);
    }
    for (const AnnHit& h : hits) top.emplace_back(h.id, h.score);
    return top;
  }
  *method = "exact";
  LoadVectorsLocked();
  const size_t bytes = EncodedBytes(settings_.storage, settings_.dim);
  // Min-heap of the best n so far.
  auto worse = [](const std::pair<int64_t, float>& a, const std::pair<int64_t, float>& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  std::priority_queue<std::pair<int64_t, float>, std::vector<std::pair<int64_t, float>>, decltype(worse)> heap(worse);
  // f32 rows: the ANN index's run-time-dispatched SIMD dot product (AVX2/AVX-512), which
  // returns 1 − a·b. Rows are 4-byte aligned: cache_bytes_ is a std::string of whole rows.
  static const AnnDistanceFn simd = InnerProductDistanceFor(BestIsa());
  const size_t dim = static_cast<size_t>(settings_.dim);
  const bool use_simd = settings_.storage == VectorStorage::kF32 && simd != nullptr;
  auto consider = [&](size_t row) {
    const char* v = cache_bytes_.data() + row * bytes;
    const float s = use_simd ? 1.0f - simd(query, v, &dim) : ScoreEncoded(settings_.storage, query, v, settings_.dim);
    if (static_cast<int>(heap.size()) < n) {
      heap.emplace(cache_ids_[row], s);
    } else if (s > heap.top().second) {
      heap.pop();
      heap.emplace(cache_ids_[row], s);
    }
  };
  if (allowed) {
    // Both lists are sorted by id: walk them together.
    size_t row = 0;
    for (int64_t id : *allowed) {
      while (row < cache_ids_.size() && cache_ids_[row] < id) ++row;
      if (row < cache_ids_.size() && cache_ids_[row] == id) consider(row);
    }
  } else {
    for (size_t row = 0; row < cache_ids_.size(); ++row) consider(row);
  }
  while (!heap.empty()) {
    top.push_back(heap.top());
    heap.pop();
  }
  std::reverse(top.begin(), top.end());
  return top;
}

SearchHit Collection::FetchHitLocked(int64_t id, double score) const {
  Statement q(*db_,
              "SELECT c.title, c.text, c.answer, c.line_start, c.line_end, c.metadata, d.path, d.key "
              "FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id = ?");
  q.Bind(1, id);
  if (!q.Step()) throw Error("database " + path_ + ": chunk " + std::to_string(id) + " vanished");
  SearchHit h;
  h.score = score;
  h.id = id;
  h.title = q.Text(0);
  h.text = q.Text(1);
  if (!q.IsNull(2)) h.answer = q.Text(2);
  h.line_start = static_cast<int>(q.Int(3));
  h.line_end = static_cast<int>(q.Int(4));
  h.metadata_json = q.Text(5);
  h.path = q.Text(6);
  h.key = q.Text(7);
  return h;
}

SearchResult Collection::Search(std::span<const float> query, const std::string& query_text,
                                const SearchOptions& o) const {
  if (static_cast<int>(query.size()) != settings_.dim) {
    throw Error("query vector has " + std::to_string(query.size()) + " values, collection " + path_ + " stores " +
                std::to_string(settings_.dim));
  }
  if (o.k < 1) throw Error("k must be at least 1");
  std::lock_guard lock(mu_);
  const auto allowed = FilteredIdsLocked(o);
  SearchResult result;
  if (!o.hybrid) {
    for (const auto& [id, s] : VectorTopLocked(query.data(), o.k, o, allowed, &result.method)) {
      result.hits.push_back(FetchHitLocked(id, s));
    }
    return result;
  }
  const int n = o.candidates > 0 ? o.candidates : std::max(50, 5 * o.k);
  std::string vmethod;
  const auto vec = VectorTopLocked(query.data(), n, o, allowed, &vmethod);
  result.method = "hybrid(" + vmethod + ")";
  std::vector<int64_t> bm25;
  const std::string fts = FtsQuery(query_text);
  if (!fts.empty()) {
    Statement q(*db_,
                "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?");
    q.Bind(1, fts).Bind(2, static_cast<int64_t>(allowed ? std::max<size_t>(n * 20, 1000) : n));
    std::unordered_set<int64_t> keep;
    if (allowed) keep.insert(allowed->begin(), allowed->end());
    while (q.Step() && static_cast<int>(bm25.size()) < n) {
      if (!allowed || keep.count(q.Int(0))) bm25.push_back(q.Int(0));
    }
  }
  // Reciprocal-rank fusion: score = Σ over lists of 1 / (rrf_k + rank), rank from 1.
  std::unordered_map<int64_t, double> fused;
  for (size_t r = 0; r < vec.size(); ++r) fused[vec[r].first] += 1.0 / (o.rrf_k + r + 1);
  for (size_t r = 0; r < bm25.size(); ++r) fused[bm25[r]] += 1.0 / (o.rrf_k + r + 1);
  std::vector<std::pair<int64_t, double>> ranked(fused.begin(), fused.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  if (static_cast<int>(ranked.size()) > o.k) ranked.resize(o.k);
  for (const auto& [id, s] : ranked) result.hits.push_back(FetchHitLocked(id, s));
  return result;
}

}  // namespace gembed::index
