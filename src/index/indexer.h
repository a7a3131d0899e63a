// `gembed index` as a library call: reads sources, chunks them with the model's tokenizer,
// embeds what changed (by content hash) and writes it to a collection in batches, each
// batch one transaction. A document is reported done (on_done) only after its batch
// committed, so nothing reported is lost if the process dies. A document that cannot be
// read or embedded is skipped with a notice (IndexStats::skipped) and the run goes on.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "embedder/embedder.h"
#include "index/chunker.h"
#include "index/collection.h"
#include "index/sources.h"


namespace gembed::index {

struct IndexProgress {
  size_t files_done = 0, files_total = 0;
  size_t bytes_done = 0, bytes_total = 0;
  size_t chunks = 0;       // embedded so far in this run
  size_t tokens = 0;       // tokens the model saw so far in this run
  double seconds = 0;      // since the run started
};

struct IndexOptions {
  // A bad JSONL line, an unreadable file or a document that cannot be embedded is an
  // error (the run stops after committing what came before), not a notice and a skip.
  bool strict = false;
  int batch_chunks = 64;   // chunks embedded (and committed) together
  int threads_batch = 32;  // EmbedOptions::batch_size
  std::function<void(const std::string&)> notice;           // skipped files, bad lines
  std::function<void(const IndexProgress&)> progress;       // after each batch
  std::function<void(const std::string& key)> on_done;      // after the commit of its batch
};

struct IndexStats {
  size_t files = 0;
  size_t added = 0, updated = 0, unchanged = 0, removed = 0;
  size_t chunks = 0, tokens = 0;
  size_t notices = 0;
  // Documents that should have been indexed but were not: a file that could not be read or
  // is not UTF-8, a document (file or record) that could not be chunked or embedded, and
  // each folder that could not be listed. Each got a notice; what is stored from them is
  // kept and they are retried on the next run.
  size_t skipped = 0;
  double seconds = 0;
  bool ann = false;  // an ANN index is stored after the run
};

// Whether a stored document whose source file `path` (absolute) was not found by this run
// is gone: it lies under one of the given paths (`scopes`, absolute) and not under a folder
// that could not be listed (exposed for tests).
bool SourceIsGone(const std::string& path, const std::vector<std::string>& scopes,
                  const std::vector<std::string>& unreadable_dirs);
// Chunks one source document with the collection's settings (exposed for tests).
std::vector<Chunk> ChunkSource(const Embedder& embedder, const CollectionSettings& settings, const SourceDocument& doc);
// The content hash that decides whether a document is re-embedded.
std::string SourceHash(const SourceDocument& doc, const CollectionSettings& settings);
// The EmbedInput a chunk is embedded as (documents: title form; FAQ: the prompt by name).
EmbedInput ChunkInput(const CollectionSettings& settings, const Chunk& chunk);

IndexStats IndexPaths(const Embedder& embedder, Collection& collection, const std::vector<std::string>& paths,
                      const IndexOptions& options);

// The query vector for `text`: the collection's query prompt (or `prompt_name` when not
// empty) at the collection's dimension.
std::vector<float> EmbedQuery(const Embedder& embedder, const Collection& collection, const std::string& text,
                              const std::string& prompt_name = "");

}  // namespace gembed::index
