// gembed index --db FILE [--model M] PATH… : adds files to a collection (docs/collections.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "cli/commands.h"
#include "embedder/embedder.h"
#include "index/collection.h"
#include "index/indexer.h"

namespace gembed::cli {
namespace {

std::string Clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

// One status line, redrawn in place on a terminal (at most ~10 times a second).
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  void Update(const index::IndexProgress& p, bool final) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double rate = p.seconds > 0 ? p.tokens / p.seconds : 0;
    std::string eta = "--:--";
    if (p.bytes_done > 0 && p.bytes_total >= p.bytes_done && p.seconds > 0) {
      eta = Clock(p.seconds * double(p.bytes_total - p.bytes_done) / double(p.bytes_done));
    }
    std::fprintf(stderr, "\r\033[Kfiles %zu/%zu  chunks %zu  %.0f tokens/s  elapsed %s  left %s", p.files_done,
                 p.files_total, p.chunks, rate, Clock(p.seconds).c_str(), eta.c_str());
    if (final) std::fputc('\n', stderr);
    std::fflush(stderr);
    drawn_ = true;
  }
  // Clears the line before other output goes to stderr.
  void Clear() {
    if (enabled_ && drawn_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int RunIndex(const IndexArgs& a) {
  if (a.paths.empty()) throw Error("nothing to index: give one or more files or folders");
  std::error_code ec;
  if (std::filesystem::exists(a.db, ec) && !std::filesystem::is_regular_file(a.db, ec)) {
    throw Error("database " + a.db + ": not a regular file");
  }
  const bool exists = std::filesystem::exists(a.db, ec) && std::filesystem::file_size(a.db, ec) > 0;
  std::unique_ptr<index::Collection> collection;
  std::string model_path;
  if (exists) {
    collection = index::Collection::Open(a.db);
    model_path = a.model.empty() ? collection->model().model : a.model;
    if (a.faq != (collection->settings().kind == "faq")) {
      throw Error("collection " + a.db + " holds " + (collection->settings().kind == "faq" ? "FAQ records: pass --faq" : "documents: it cannot take --faq records"));
    }
    if (a.dim != 0 && a.dim != collection->settings().dim) {
      throw Error("collection " + a.db + " stores " + std::to_string(collection->settings().dim) + "-dimensional vectors (--dim " +
                  std::to_string(a.dim) + " needs a new --db)");
    }
  } else {
    model_path = std::filesystem::absolute(ResolveModelPath(a.model)).lexically_normal().string();
  }
  auto embedder = Embedder::Load(model_path, {.threads = a.threads, .weights = a.weights});
  const index::ModelIdentity identity = index::IdentifyModel(*embedder, model_path);
  if (collection) {
    collection->CheckModel(identity);
    if (a.chunking_given && (a.chunk_tokens != collection->settings().chunk_tokens || a.overlap != collection->settings().overlap)) {
      collection->SetChunking(a.chunk_tokens, a.overlap);
    }
  } else {
    index::CollectionSettings s;
    s.dim = a.dim == 0 ? embedder->output_dim() : a.dim;
    if (s.dim > embedder->output_dim()) {
      throw Error("--dim " + std::to_string(a.dim) + " is larger than the model's " + std::to_string(embedder->output_dim()));
    }
    s.storage = index::ParseStorage(a.storage);
    s.chunk_tokens = a.chunk_tokens;
    s.overlap = a.overlap;
    if (a.overlap >= a.chunk_tokens) throw Error("--overlap must be smaller than --chunk-tokens");
    s.kind = a.faq ? "faq" : "documents";
    const auto& prompts = embedder->prompts();
    s.query_prompt = !a.query_prompt.empty() ? a.query_prompt : (a.faq && prompts.count("STS") ? "STS" : "query");
    if (!prompts.count(s.query_prompt)) throw Error("model " + model_path + " has no prompt named \"" + s.query_prompt + "\"");
    // FAQ: stored questions and asked questions are the same kind of text, so both sides
    // get the same (symmetric) prompt.
    s.document_prompt = a.faq ? s.query_prompt : "document";
    if (a.ann_threshold >= 0) s.ann_threshold = a.ann_threshold;
    collection = index::Collection::Create(a.db, s, identity);
  }

  ProgressLine line(!a.quiet && ::isatty(2));
  index::IndexOptions opt;
  opt.strict = a.strict;
  opt.batch_chunks = a.batch;
  opt.notice = [&](const std::string& n) {
    line.Clear();
    std::fprintf(stderr, "gembed: %s\n", n.c_str());
  };
  opt.progress = [&](const index::IndexProgress& p) { line.Update(p, false); };
  if (a.verbose) {
    opt.on_done = [](const std::string& key) {
      std::printf("indexed %s\n", key.c_str());
      std::fflush(stdout);
    };
  }
  const index::IndexStats st = index::IndexPaths(*embedder, *collection, a.paths, opt);
  line.Clear();
  if (!a.quiet) {
    std::fprintf(stderr,
                 "gembed: %s: %zu files; documents: %zu added, %zu updated, %zu unchanged, %zu removed%s; %zu chunks embedded "
                 "(%zu tokens, %.0f tokens/s) in %.1f s; %lld documents, %lld chunks%s%s\n",
                 a.db.c_str(), st.files, st.added, st.updated, st.unchanged, st.removed,
                 st.skipped ? (", " + std::to_string(st.skipped) + " skipped").c_str() : "", st.chunks, st.tokens,
                 st.seconds > 0 ? st.tokens / st.seconds : 0.0, st.seconds,
                 static_cast<long long>(collection->document_count()), static_cast<long long>(collection->chunk_count()),
                 st.ann ? ", ANN index stored" : "", st.notices ? (", " + std::to_string(st.notices) + " notices").c_str() : "");
  }
  // Skipped documents (each named in a notice above) make the exit status 1 so that
  // scripts notice; everything else was indexed and committed.
  return st.skipped ? 1 : 0;
}

}  // namespace gembed::cli
