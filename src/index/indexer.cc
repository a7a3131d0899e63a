#include "index/indexer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "base/error.h"
#include "embedder/embedder.h"

namespace gembed::index {
namespace {

std::string KindName(SourceKind k) {
  switch (k) {
    case SourceKind::kText: return "text";
    case SourceKind::kMarkdown: return "markdown";
    case SourceKind::kRecord: return "record";
    case SourceKind::kFaq: return "faq";
  }
  return "text";
}

bool UsesTitleForm(const CollectionSettings& s) { return s.kind == "documents" && s.document_prompt == "document"; }

// True when `path` is `scope` or inside it (both absolute and normal).
bool InScope(const std::string& path, const std::string& scope) {
  if (path == scope) return true;
  const std::string dir = scope.back() == '/' ? scope : scope + "/";
  return path.compare(0, dir.size(), dir) == 0;
}

}  // namespace

bool SourceIsGone(const std::string& path, const std::vector<std::string>& scopes,
                  const std::vector<std::string>& unreadable_dirs) {
  auto under = [&](const std::vector<std::string>& dirs) {
    return std::any_of(dirs.begin(), dirs.end(), [&](const std::string& d) { return InScope(path, d); });
  };
  // Under a folder that could not be listed it was not seen because of that, not because it
  // is gone.
  return under(scopes) && !under(unreadable_dirs);
}

EmbedInput ChunkInput(const CollectionSettings& s, const Chunk& chunk) {
  EmbedInput in;
  in.text = chunk.text;
  if (UsesTitleForm(s)) {
    in.title = chunk.title;
  } else {
    in.prompt_name = s.document_prompt;
  }
  return in;
}

std::vector<Chunk> ChunkSource(const Embedder& embedder, const CollectionSettings& s, const SourceDocument& doc) {
  const Tokenizer* tok = embedder.tokenizer();
  if (tok == nullptr) throw Error("model " + embedder.model().path + " has no tokenizer.json: collections need one to chunk text");
  const TokenCounter count = [tok](std::string_view t) { return static_cast<int>(tok->Encode(t).size()); };
  if (doc.kind == SourceKind::kFaq) {
    // A question is one chunk: it is matched whole (the embedder truncates a huge one).
    Chunk c{doc.title, doc.text, doc.first_line, doc.first_line};
    return {c};
  }
  // Leave room for <bos>/<eos> and the prompt ("title: … | text: "), with a little slack
  // for tokens that merge across line joins.
  Chunk probe{doc.title, "", 0, 0};
  const int prompt_tokens = static_cast<int>(embedder.Prepare(ChunkInput(s, probe), {}).ids.size());
  const int room = embedder.max_seq_length() - prompt_tokens - 8;
  ChunkOptions opt{std::max(1, std::min(s.chunk_tokens, room)), s.overlap};
  if (opt.overlap >= opt.max_tokens) opt.overlap = opt.max_tokens / 4;
  std::vector<Chunk> chunks = doc.kind == SourceKind::kMarkdown ? ChunkMarkdown(doc.text, doc.title, count, opt)
                                                                : ChunkPlainText(doc.text, doc.title, count, opt, 1);
  for (Chunk& c : chunks) {
    if (doc.whole_record_line) {
      c.line_start = c.line_end = doc.first_line;
    } else {
      c.line_start += doc.first_line - 1;
      c.line_end += doc.first_line - 1;
    }
  }
  return chunks;
}

std::string SourceHash(const SourceDocument& d, const CollectionSettings& s) {
  std::string all = KindName(d.kind);
  for (const std::string* part : {&d.title, &d.text, &d.answer, &d.metadata_json}) {
    all += '\0';
    all += std::to_string(part->size());
    all += ':';
    all += *part;
  }
  all += '\0' + std::to_string(s.chunk_tokens) + "/" + std::to_string(s.overlap) + "/" + std::to_string(d.first_line);
  return Sha256Hex(all);
}

std::vector<float> EmbedQuery(const Embedder& embedder, const Collection& collection, const std::string& text,
                              const std::string& prompt_name) {
  EmbedOptions opt;
  opt.dim = collection.settings().dim;
  opt.prompt_name = prompt_name.empty() ? collection.settings().query_prompt : prompt_name;
  return embedder.Embed({EmbedInput{.text = text}}, opt)[0].embedding;
}

IndexStats IndexPaths(const Embedder& embedder, Collection& collection, const std::vector<std::string>& paths,
                      const IndexOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const CollectionSettings& s = collection.settings();
  const bool faq = s.kind == "faq";
  IndexStats stats;
  auto notice = [&](const std::string& n) {
    ++stats.notices;
    if (options.notice) options.notice(n);
  };
  std::vector<std::string> notices, unreadable_dirs;
  const std::vector<std::string> files = ListSourceFiles(paths, &notices, &unreadable_dirs);
  for (const auto& n : notices) notice(n);
  notices.clear();
  stats.skipped += unreadable_dirs.size();

  std::vector<std::string> scopes;
  for (const std::string& p : paths) scopes.push_back(std::filesystem::absolute(p).lexically_normal().string());
  std::map<std::string, StoredDocument> stored;
  for (StoredDocument& d : collection.Documents()) stored.emplace(d.key, std::move(d));

  IndexProgress progress;
  progress.files_total = files.size();
  std::map<std::string, size_t> sizes;
  for (const std::string& f : files) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(f, ec);
    sizes[f] = ec ? 0 : n;
    progress.bytes_total += sizes[f];
  }
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

  std::set<std::string> seen;      // keys present in the sources
  std::set<std::string> kept_paths;  // unreadable/undecodable files: their stored documents stay
  std::vector<DocumentRecord> batch;
  size_t batch_chunks = 0;
  EmbedOptions eopt;
  eopt.dim = s.dim;
  eopt.batch_size = options.threads_batch;

  auto flush = [&] {
    if (batch.empty()) return;
    collection.Write(batch, {});
    for (const DocumentRecord& d : batch) {
      (stored.count(d.key) ? stats.updated : stats.added) += 1;
      if (options.on_done) options.on_done(d.key);
    }
    batch.clear();
    batch_chunks = 0;
    progress.seconds = elapsed();
    if (options.progress) options.progress(progress);
  };

  for (const std::string& file : files) {
    bool failed = false;
    std::vector<SourceDocument> docs = ReadSourceFile(file, faq, options.strict, &notices, &failed);
    for (const auto& n : notices) notice(n);
    notices.clear();
    if (failed) {
      kept_paths.insert(file);
      ++stats.skipped;
    }
    for (SourceDocument& doc : docs) {
      seen.insert(doc.key);
      const std::string hash = SourceHash(doc, s);
      auto it = stored.find(doc.key);
      if (it != stored.end() && it->second.sha256 == hash) {
        ++stats.unchanged;
        continue;
      }
      DocumentRecord rec;
      rec.key = doc.key;
      rec.path = doc.path;
      rec.kind = KindName(doc.kind);
      rec.sha256 = hash;
      rec.mtime = doc.mtime;
      rec.size = doc.size;
      rec.metadata_json = doc.metadata_json;
      // One document that cannot be chunked or embedded (a special-token string the model
      // has no embedding row for, a file name that is not UTF-8, …) must not stop the run:
      // it is skipped with a notice and nothing is written for it, so its stored version
      // (if any) stays searchable and keeps its old hash, which makes the next run retry it.
      // Nothing here touches the database, so catching is safe; write errors still stop the run.
      std::vector<Chunk> chunks;
      std::vector<EmbedResult> vecs;
      try {
        chunks = ChunkSource(embedder, s, doc);
        std::vector<EmbedInput> inputs;
        for (const Chunk& c : chunks) inputs.push_back(ChunkInput(s, c));
        try {
          vecs = embedder.Embed(inputs, eopt);
        } catch (const InputError& e) {
          const Chunk& c = chunks.at(e.index());
          throw Error("chunk " + std::to_string(e.index() + 1) + " (lines " + std::to_string(c.line_start) + "-" +
                      std::to_string(c.line_end) + "): " + e.detail());
        }
      } catch (const std::exception& e) {
        const std::string why = doc.key + ": cannot embed: " + e.what();
        if (options.strict) {
          flush();  // what was embedded before it is committed, as in a normal run
          throw Error(why);
        }
        ++stats.skipped;
        notice(why + "; skipped (" + (it != stored.end() ? "its stored version is kept" : "not stored") +
               "; retried on the next run)");
        continue;
      }
      for (size_t i = 0; i < chunks.size(); ++i) {
        ChunkRecord c;
        c.title = chunks[i].title;
        c.text = chunks[i].text;
        if (faq) c.answer = doc.answer;
        c.line_start = chunks[i].line_start;
        c.line_end = chunks[i].line_end;
        c.tokens = vecs[i].tokens;
        c.vector = std::move(vecs[i].embedding);
        progress.tokens += c.tokens;
        rec.chunks.push_back(std::move(c));
      }
      progress.chunks += chunks.size();
      stats.chunks += chunks.size();
      batch_chunks += chunks.size();
      batch.push_back(std::move(rec));
      if (static_cast<int>(batch_chunks) >= options.batch_chunks) flush();
    }
    ++progress.files_done;
    progress.bytes_done += sizes[file];
  }
  flush();

  // Dropped: stored documents under the given paths whose source is gone.
  std::vector<std::string> removed;
  for (const auto& [key, d] : stored) {
    if (seen.count(key) || kept_paths.count(d.path)) continue;
    if (SourceIsGone(d.path, scopes, unreadable_dirs)) removed.push_back(key);
  }
  if (!removed.empty()) collection.Write({}, removed);
  stats.removed = removed.size();

  stats.ann = collection.UpdateAnn();
  stats.files = files.size();
  stats.tokens = progress.tokens;
  stats.seconds = elapsed();
  progress.seconds = stats.seconds;
  progress.files_done = progress.files_total;
  progress.bytes_done = progress.bytes_total;
  if (options.progress) options.progress(progress);
  return stats;
}

}  // namespace gembed::index
