// `gembed index` / `gembed search`: the contract scripts rely on, run on the real binary
// with the tiny-text fixture (docs/collections.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "fixtures.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

const std::string kGembed = std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed";

struct RunResult {
  int status;
  std::string out, err;
};

RunResult Gembed(const fs::path& dir, const std::string& args) {
  const std::string cmd = "cd " + dir.string() + " && env -u GEMBED_MODEL " + kGembed + " " + args + " >" +
                          (dir / "out").string() + " 2>" + (dir / "err").string() + " </dev/null";
  const int rc = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  };
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out"), slurp(dir / "err")};
}


class CollectionsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir();
    WriteFile(dir_ / "docs/guide.md", "# Guide\nWelcome.\n\n## Install\nRun the installer.\n");
    WriteFile(dir_ / "docs/notes.txt", "Cats sleep.\nDogs walk.\n");
    WriteFile(dir_ / "docs/r.jsonl",
          "{\"id\": \"a\", \"text\": \"alpha record\", \"metadata\": {\"lang\": \"en\"}}\n"
          "{broken\n"
          "{\"id\": \"b\", \"text\": \"beta record\", \"metadata\": {\"lang\": \"fr\"}}\n");
    WriteFile(dir_ / "docs/blob.txt", std::string("\x7f" "ELF\0\0\0", 7));
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  const std::string model_ = ModelDir("tiny-text");
};

TEST_F(CollectionsCli, IndexThenSearchJsonContract) {
  RunResult r = Gembed(dir_, "index --db c.db --model " + model_ + " docs");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("docs/blob.txt: binary file (NUL byte at byte 4), skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("docs/r.jsonl line 2: not valid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4 added"), std::string::npos) << r.err;

  // No --model: the collection's own model is used.
  r = Gembed(dir_, "search --db c.db -k 3 --json \"install\"");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("results"));
  ASSERT_EQ(j["results"].size(), 3u);
  double last = 2;
  for (const auto& hit : j["results"]) {
    for (const char* key : {"score", "id", "title", "text", "path", "lines", "metadata"}) EXPECT_TRUE(hit.contains(key)) << key;
    EXPECT_LE(hit["score"].get<double>(), last);
    last = hit["score"].get<double>();
    EXPECT_TRUE(hit["lines"].is_array());
    EXPECT_TRUE(hit["metadata"].is_object());
    EXPECT_TRUE(fs::path(hit["path"].get<std::string>()).is_absolute());
  }
  // Filters and hybrid from the command line.
  r = Gembed(dir_, "search --db c.db --json --hybrid --where lang=fr \"record\"");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto f = nlohmann::json::parse(r.out);
  ASSERT_EQ(f["results"].size(), 1u);
  EXPECT_EQ(f["results"][0]["text"], "beta record");
  EXPECT_EQ(f["results"][0]["record_id"], "b");
  // Text output: rank, score, path:lines, title, snippet.
  r = Gembed(dir_, "search --db c.db -k 1 --path '*.md' \"install\"");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("1. ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("docs/guide.md:"), std::string::npos) << r.out;

  // Usage errors exit 2; bad values exit 1 with a message.
  EXPECT_EQ(Gembed(dir_, "search --db c.db").status, 2);
  r = Gembed(dir_, "search --db c.db --where nokey \"x\"");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--where expects KEY=VALUE"), std::string::npos) << r.err;
}

TEST_F(CollectionsCli, OtherModelAndCorruptDatabaseAreRefused) {
  ASSERT_EQ(Gembed(dir_, "index --db c.db --model " + model_ + " docs/notes.txt").status, 0);
  RunResult r = Gembed(dir_, "search --db c.db --model " + ModelDir("tiny-a") + " \"x\"");
  EXPECT_EQ(r.status, 1);
  const std::string recorded = fs::absolute(model_).lexically_normal().string();
  EXPECT_NE(r.err.find("collection c.db was built with " + recorded), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("differs — use the same model or a new --db"), std::string::npos) << r.err;
  r = Gembed(dir_, "index --db c.db --model " + ModelDir("tiny-b") + " docs");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("differs"), std::string::npos) << r.err;

  WriteFile(dir_ / "bad.db", "this is not a database, just text that is long enough to look like a header..........");
  r = Gembed(dir_, "search --db bad.db \"x\"");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("database bad.db"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

TEST_F(CollectionsCli, FaqSearchPrintsTheAnswer) {
  WriteFile(dir_ / "qa.jsonl",
        "{\"question\": \"How do I reset my password?\", \"answer\": \"Use the reset link.\"}\n"
        "{\"question\": \"Where are invoices?\", \"answer\": \"Billing, then Invoices.\"}\n");
  ASSERT_EQ(Gembed(dir_, "index --db faq.db --model " + model_ + " --faq qa.jsonl").status, 0);
  RunResult r = Gembed(dir_, "search --db faq.db -k 1 \"Where are invoices?\"");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("A: Billing, then Invoices."), std::string::npos) << r.out;
  r = Gembed(dir_, "search --db faq.db -k 2 --json \"Where are invoices?\"");
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["answer"], "Billing, then Invoices.");
  EXPECT_EQ(j["results"][0]["text"], "Where are invoices?");
  // A FAQ collection takes only FAQ records.
  r = Gembed(dir_, "index --db faq.db docs");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("pass --faq"), std::string::npos) << r.err;
}

// One document the model cannot embed (a literal special-token string: id 262144, one past
// the embedding table) or a file that is not UTF-8 does not stop the run: they are named on
// stderr, counted in the summary, the exit status is 1, and the next run retries them.
TEST_F(CollectionsCli, UnembeddableDocumentsAreSkippedAndTheExitStatusIsOne) {
  WriteFile(dir_ / "mixed/a.txt", "Apples are red.\n");
  WriteFile(dir_ / "mixed/b.txt", "This quotes <image_soft_token> literally.\n");
  WriteFile(dir_ / "mixed/c.txt", "caf\xe9 au lait\n");
  WriteFile(dir_ / "mixed/d.txt", "Bananas are yellow.\n");
  RunResult r = Gembed(dir_, "index --db m.db --model " + model_ + " mixed");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("mixed/b.txt: cannot embed: chunk 1 (lines 1-1): token '<image_soft_token>' (id 262144) has no "
                       "embedding in this model (vocabulary 262144); skipped (not stored; retried on the next run)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("mixed/c.txt: binary file (invalid UTF-8 at byte 3), skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 added, 0 updated, 0 unchanged, 0 removed, 2 skipped;"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;

  r = Gembed(dir_, "search --db m.db -k 10 --json \"fruit\"");
  ASSERT_EQ(r.status, 0) << r.err;
  std::set<std::string> names;
  const auto j = nlohmann::json::parse(r.out);
  for (const auto& hit : j["results"]) names.insert(fs::path(hit["path"].get<std::string>()).filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"a.txt", "d.txt"}));

  // Retried (and skipped again) by the next run; a clean run exits 0 again.
  r = Gembed(dir_, "index --db m.db mixed");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("0 added, 0 updated, 2 unchanged, 0 removed, 2 skipped;"), std::string::npos) << r.err;
  WriteFile(dir_ / "mixed/b.txt", "This no longer quotes a special token.\n");
  WriteFile(dir_ / "mixed/c.txt", "caf\xc3\xa9 au lait\n");
  r = Gembed(dir_, "index --db m.db mixed");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("2 added, 0 updated, 2 unchanged, 0 removed;"), std::string::npos) << r.err;
}

// kill -9 of the real binary in the middle of indexing: every document it printed as
// indexed is still there, the file searches, and re-running completes it.
TEST_F(CollectionsCli, KillNineMidIndexLosesNothingReported) {
  constexpr int kFiles = 250;
  for (int i = 0; i < kFiles; ++i) {
    std::string text;
    for (int l = 0; l < 10; ++l) text.append("Document ").append(std::to_string(i)).append(", line ").append(std::to_string(l)).append(".\n");
    WriteFile(dir_ / "many" / std::string("f").append(std::to_string(i)).append(".txt"), text);
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string db = (dir_ / "k.db").string();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(kGembed.c_str(), "gembed", "index", "--db", db.c_str(), "--model", model_.c_str(), "--threads", "1", "--batch", "1",
            "-v", "-q", (dir_ / "many").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::set<std::string> reported;
  std::string buf;
  char chunk[4096];
  auto take_lines = [&] {
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
      const std::string line = buf.substr(0, nl);
      if (line.rfind("indexed ", 0) == 0) reported.insert(line.substr(8));
    }
  };
  while (reported.size() < 30) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, n);
    take_lines();
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) > 0;) buf.append(chunk, n);
  take_lines();
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "gembed index ended before the kill (status " << status << ")";
  ASSERT_GE(reported.size(), 30u);
  ASSERT_LT(reported.size(), static_cast<size_t>(kFiles));

  RunResult r = Gembed(dir_, "search --db k.db -k 1000 --json \"line 3\"");
  ASSERT_EQ(r.status, 0) << r.err;
  std::set<std::string> present;
  auto paths_in = [&present](const std::string& out) {
    const auto j = nlohmann::json::parse(out);  // kept alive: range-for over a temporary's member dangles
    for (const auto& hit : j["results"]) present.insert(hit["path"].get<std::string>());
  };
  paths_in(r.out);
  for (const auto& key : reported) EXPECT_TRUE(present.count(key)) << key;

  r = Gembed(dir_, "index --db k.db many");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find(std::to_string(kFiles) + " files"), std::string::npos) << r.err;
  r = Gembed(dir_, "search --db k.db -k 1000 --json \"line 3\"");
  present.clear();
  paths_in(r.out);
  EXPECT_EQ(present.size(), static_cast<size_t>(kFiles));
}

}  // namespace
}  // namespace gembed::cli
