// kill -9 in the middle of indexing: every document reported done survives, the file
// opens and searches, and a second run finishes the job. Its own binary, because the test
// forks: the parent must not have started threads (an Embedder's pool) before the fork.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "embedder/embedder.h"
#include "fixtures.h"
#include "index/collection.h"
#include "index/indexer.h"

namespace gembed::index {
namespace {
namespace fs = std::filesystem;

TEST(CrashSafety, KillNineLosesNothingReportedDone) {
  const fs::path dir = testing::FreshTempDir();
  const fs::path docs = dir / "docs";
  fs::create_directories(docs);
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) {
    std::ofstream f(docs / ("file" + std::to_string(i) + ".txt"));
    for (int l = 0; l < 12; ++l) f << "File " << i << " line " << l << ": some words to embed, again and again.\n";
  }
  const std::string db = (dir / "c.db").string();
  const std::string model_dir = testing::ModelDir("tiny-text");

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child indexes with one commit per document and reports each one after it.
    ::close(fds[0]);
    try {
      auto model = Embedder::Load(model_dir, {.threads = 1});
      CollectionSettings s;
      s.dim = model->output_dim();
      s.chunk_tokens = 32;
      s.overlap = 4;
      auto c = Collection::Create(db, s, IdentifyModel(*model, model_dir));
      IndexOptions opt;
      opt.batch_chunks = 1;
      opt.on_done = [&](const std::string& key) {
        const std::string line = key + "\n";
        if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
      };
      IndexPaths(*model, *c, {docs.string()}, opt);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  // Read reports until 40 documents are done, then kill the child without warning.
  std::set<std::string> reported;
  std::string buf;
  char chunk[4096];
  while (reported.size() < 40) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, n);
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) reported.insert(buf.substr(0, nl));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // Whatever was reported before the kill landed (the pipe may hold a few more).
  for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) > 0;) buf.append(chunk, n);
  for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) reported.insert(buf.substr(0, nl));
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it was killed (status " << status << ")";
  ASSERT_GE(reported.size(), 40u);
  ASSERT_LT(reported.size(), static_cast<size_t>(kFiles)) << "the kill came too late to test anything";

  // Everything reported is there, and the collection opens and searches.
  auto c = Collection::Open(db);
  std::set<std::string> stored;
  for (const auto& d : c->Documents()) stored.insert(d.key);
  for (const auto& key : reported) EXPECT_TRUE(stored.count(key)) << key << " was reported done but is missing";
  auto model = Embedder::Load(model_dir, {.threads = 1});
  c->CheckModel(IdentifyModel(*model, model_dir));
  const auto hits = c->Search(EmbedQuery(*model, *c, "line 3"), "line 3", {.k = 5, .hybrid = true}).hits;
  EXPECT_EQ(hits.size(), 5u);

  // A second run finishes: the documents already stored are not embedded again.
  const IndexStats st = IndexPaths(*model, *c, {docs.string()}, {});
  EXPECT_GE(st.unchanged, reported.size());
  EXPECT_EQ(st.unchanged + st.added + st.updated, static_cast<size_t>(kFiles));
  EXPECT_EQ(c->document_count(), kFiles);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gembed::index
