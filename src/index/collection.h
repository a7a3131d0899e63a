// A collection: chunks of documents with their embeddings, in one SQLite file.
//
//   auto c = Collection::Create("notes.db", settings, IdentifyModel(*embedder, model_dir));
//   c->Write(upserts, removed_keys);            // one transaction: all or nothing
//   c->UpdateAnn();                             // after a run of writes
//   auto hits = c->Search(query_vector, "query text", {.k = 10});
//
// Storage (docs/collections.md has the full schema): a `collection` key/value table (model
// identity, dimension, vector storage, chunking, prompts, schema version, a generation
// counter bumped by every write), `documents` (one row per file or JSONL record, with its
// content hash), `chunks` (text, title, line range, metadata JSON, vector BLOB), an FTS5
// table over chunk title + text (BM25), and `ann` (the serialised HNSW graph with the
// generation it was built at — a graph from an older generation is stale and never used).
// The file is in WAL mode with synchronous=FULL: once Write() returns, its documents
// survive a kill -9 (and a power cut).
//
// Thread-safety: all members may be called from many threads; one mutex serialises them
// (searches are short; the vectors are cached in memory between writes).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "index/model_identity.h"
#include "index/vector_codec.h"

namespace gembed::index {

class SqliteDb;
class AnnIndex;

inline constexpr int kSchemaVersion = 1;

struct CollectionSettings {
  int dim = 0;                                  // Matryoshka dimension of the stored vectors
  VectorStorage storage = VectorStorage::kF32;
  int chunk_tokens = 256;
  int overlap = 32;
  std::string kind = "documents";               // "documents" or "faq"
  std::string document_prompt = "document";     // prompt name documents are embedded with
  std::string query_prompt = "query";           // prompt name queries are embedded with
  int64_t ann_threshold = 20000;                // build an ANN index from this many chunks on
};

struct ChunkRecord {
  std::string title;
  std::string text;
  std::optional<std::string> answer;  // FAQ collections
  int line_start = 0;
  int line_end = 0;
  int tokens = 0;
  std::vector<float> vector;          // settings.dim floats, unit length
};

struct DocumentRecord {
  std::string key;   // unique (a path, or "path#id")
  std::string path;
  std::string kind;  // "text", "markdown", "record", "faq"
  std::string sha256;
  int64_t mtime = 0;
  int64_t size = 0;
  std::string metadata_json = "{}";
  std::vector<ChunkRecord> chunks;
};

struct StoredDocument {
  int64_t id = 0;
  std::string key, path, sha256;
};

enum class SearchMethod { kAuto, kExact, kAnn };

struct SearchOptions {
  int k = 10;
  SearchMethod method = SearchMethod::kAuto;  // auto: ANN when an up-to-date one is stored
  bool hybrid = false;                        // fuse with FTS5 BM25 by reciprocal rank
  int rrf_k = 60;
  int candidates = 0;                         // per list in hybrid mode; 0 = max(50, 5k)
  std::vector<std::pair<std::string, std::string>> where;  // metadata key = value
  std::string path_glob;                      // SQLite GLOB on the document path
  int ef = 0;                                 // ANN candidate list (0 = max(128, 2·k))
};

struct SearchHit {
  double score = 0;
  int64_t id = 0;  // chunk id (stable while its document is unchanged)
  std::string title, text, path;
  std::string key;  // the document's key: its path, or "path#id" for a JSONL record
  int line_start = 0, line_end = 0;
  std::string metadata_json;
  std::optional<std::string> answer;
};

struct SearchResult {
  std::vector<SearchHit> hits;  // best first
  std::string method;           // "exact", "ann", "hybrid(exact)", "hybrid(ann)"
};

class Collection {
 public:
  // Creates the file (it must not exist or be empty). Throws gembed::Error.
  static std::unique_ptr<Collection> Create(const std::string& path, const CollectionSettings& settings,
                                            const ModelIdentity& model);
  // Opens an existing collection; a missing, non-SQLite, corrupt or foreign file is a
  // gembed::Error naming it. `verify` runs SQLite's quick_check (reads the whole file:
  // worth it before writing, skipped by one-shot searches, where damage still surfaces as
  // an Error when a damaged page is read).
  static std::unique_ptr<Collection> Open(const std::string& path, bool verify = true);
  ~Collection();

  const std::string& path() const { return path_; }
  const CollectionSettings& settings() const { return settings_; }
  const ModelIdentity& model() const { return model_; }
  // Throws gembed::Error "collection FILE was built with MODEL (fingerprint F); this model
  // (…) differs — use the same model or a new --db" unless `other` is the same model.
  void CheckModel(const ModelIdentity& other) const;

  // Changes the chunking used from now on (documents are re-chunked as they are re-indexed:
  // the indexer's content hash includes these settings).
  void SetChunking(int chunk_tokens, int overlap);

  std::vector<StoredDocument> Documents() const;
  int64_t document_count() const;
  int64_t chunk_count() const;
  int64_t generation() const;

  // One transaction: removes the documents with keys in `remove`, replaces/inserts
  // `upserts`. Nothing is visible (or kept after a crash) unless it returns.
  void Write(std::span<const DocumentRecord> upserts, std::span<const std::string> remove);

  // Brings the stored ANN index up to date: built (or updated with this object's writes)
  // when chunk_count() ≥ ann_threshold, dropped below it. Returns true when one is stored.
  bool UpdateAnn();
  bool HasFreshAnn() const;

  // `query` has settings().dim floats; `query_text` feeds BM25 in hybrid mode.
  SearchResult Search(std::span<const float> query, const std::string& query_text, const SearchOptions& options) const;

 private:
  Collection(std::string path, std::unique_ptr<SqliteDb> db);
  void LoadSettings();
  int64_t GenerationLocked() const;
  void LoadVectorsLocked() const;
  const AnnIndex* LoadAnnLocked() const;
  std::optional<std::vector<int64_t>> FilteredIdsLocked(const SearchOptions& o) const;
  std::vector<std::pair<int64_t, float>> VectorTopLocked(const float* q, int n, const SearchOptions& o,
                                                         const std::optional<std::vector<int64_t>>& allowed,
                                                         std::string* method) const;
  SearchHit FetchHitLocked(int64_t id, double score) const;

  std::string path_;
  std::unique_ptr<SqliteDb> db_;
  CollectionSettings settings_;
  ModelIdentity model_;
  mutable std::mutex mu_;

  // In-memory copy of all vectors (rebuilt when the generation moves).
  mutable int64_t cache_generation_ = -1;
  mutable std::vector<int64_t> cache_ids_;
  mutable std::string cache_bytes_;
  // The stored ANN graph, deserialised once per generation.
  mutable int64_t ann_generation_ = -1;
  mutable std::unique_ptr<AnnIndex> ann_;
  // Chunk ids this object added/removed since `ann_log_generation_` (for incremental updates).
  // The log is complete only when every generation since then was one of this object's
  // writes (each Write bumps the generation by one): ann_log_writes_ counts them.
  int64_t ann_log_generation_ = -1;
  int64_t ann_log_writes_ = 0;
  std::vector<int64_t> ann_added_, ann_removed_;
};

}  // namespace gembed::index
