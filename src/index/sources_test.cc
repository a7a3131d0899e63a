#include "index/sources.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>

#include "base/error.h"
#include "fixtures.h"

namespace gembed::index {
namespace {
namespace fs = std::filesystem;

using testing::WriteFile;

bool Contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Sources, WalkTakesTextFilesAndSkipsHiddenAndBuildFolders) {
  const fs::path dir = testing::FreshTempDir();
  WriteFile(dir / "a.md", "# A\n");
  WriteFile(dir / "sub/b.cc", "int main() {}\n");
  WriteFile(dir / "sub/c.jsonl", "{\"text\": \"x\"}\n");
  WriteFile(dir / "image.png", "\x89PNG");
  WriteFile(dir / ".git/config", "x");
  WriteFile(dir / ".hidden/d.txt", "x");
  WriteFile(dir / "build/e.txt", "x");
  WriteFile(dir / "node_modules/f.js", "x");
  WriteFile(dir / "Makefile", "all:\n");
  std::vector<std::string> notices;
  const auto files = ListSourceFiles({dir.string()}, &notices);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(fs::relative(f, dir).string());
  EXPECT_EQ(names, (std::vector<std::string>{"Makefile", "a.md", "sub/b.cc", "sub/c.jsonl"}));
  // A file named explicitly is taken whatever its extension.
  EXPECT_EQ(ListSourceFiles({(dir / "image.png").string()}, &notices).size(), 1u);
  EXPECT_THROW(ListSourceFiles({(dir / "missing").string()}, &notices), Error);
  fs::remove_all(dir);
}

TEST(Sources, BinaryFilesAreSkippedWithANotice) {
  const fs::path dir = testing::FreshTempDir();
  WriteFile(dir / "nul.txt", std::string("text\0more", 9));
  WriteFile(dir / "latin1.txt", "caf\xe9\n");
  std::vector<std::string> notices;
  bool failed = true;
  EXPECT_TRUE(ReadSourceFile((dir / "nul.txt").string(), false, false, &notices, &failed).empty());
  EXPECT_FALSE(failed) << "a NUL byte is a real binary file: nothing failed";
  EXPECT_TRUE(ReadSourceFile((dir / "latin1.txt").string(), false, true, &notices, &failed).empty()) << "binary is not an error";
  EXPECT_TRUE(failed) << "invalid UTF-8 is text that could not be read: a failed file";
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].find("nul.txt: binary file (NUL byte at byte 4)"), std::string::npos) << notices[0];
  EXPECT_NE(notices[1].find("latin1.txt: binary file (invalid UTF-8 at byte 3)"), std::string::npos) << notices[1];
  fs::remove_all(dir);
}

TEST(Sources, UnreadableFileIsReportedNotFatal) {
  const fs::path dir = testing::FreshTempDir();
  std::vector<std::string> notices;
  bool unreadable = false;
  // A file that vanished between listing and reading (also what a permission error gives).
  EXPECT_TRUE(ReadSourceFile((dir / "gone.txt").string(), false, false, &notices, &unreadable).empty());
  EXPECT_TRUE(unreadable);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("gone.txt: cannot read"), std::string::npos) << notices[0];
  EXPECT_THROW(ReadSourceFile((dir / "gone.txt").string(), false, true, &notices), Error);
  if (::geteuid() != 0) {  // root reads anything
    WriteFile(dir / "locked.txt", "secret\n");
    fs::permissions(dir / "locked.txt", fs::perms::none);
    EXPECT_TRUE(ReadSourceFile((dir / "locked.txt").string(), false, false, &notices, &unreadable).empty());
    EXPECT_TRUE(unreadable);
  }
  fs::remove_all(dir);
}

// Runs `check` without root's power to read anything: as is for a normal user, or in a
// child process that drops to uid/gid 65534 ("nobody") when the tests run as root. Returns
// whether every check passed (the child reports through its exit status).
bool RunUnprivileged(const std::function<bool()>& check) {
  if (::geteuid() != 0) return check();
  const pid_t child = ::fork();
  if (child == 0) {
    const bool ok = ::setgid(65534) == 0 && ::setuid(65534) == 0 && check();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A folder that cannot be listed is reported (notice + unreadable_dirs) and the walk goes on
// with its siblings; it is not silently left out (its stored documents would look deleted).
TEST(Sources, UnreadableFolderIsReportedAndTheWalkGoesOn) {
  const fs::path dir = testing::FreshTempDir();
  WriteFile(dir / "a.txt", "a\n");
  WriteFile(dir / "locked/b.txt", "b\n");
  WriteFile(dir / "z/c.txt", "c\n");
  fs::permissions(dir, fs::perms::all);  // the unprivileged child must reach the tree
  fs::permissions(dir / "z", fs::perms::all);
  fs::permissions(dir / "locked", fs::perms::none);
  const bool ok = RunUnprivileged([&] {
    std::vector<std::string> notices, unreadable;
    const auto files = ListSourceFiles({dir.string()}, &notices, &unreadable);
    const bool listed = files == std::vector<std::string>{(dir / "a.txt").string(), (dir / "z/c.txt").string()};
    const bool reported = unreadable == std::vector<std::string>{(dir / "locked").string()} && notices.size() == 1 &&
                          notices[0].find("locked: cannot read directory") != std::string::npos;
    if (!listed || !reported) {
      for (const auto& f : files) std::fprintf(stderr, "listed %s\n", f.c_str());
      for (const auto& n : notices) std::fprintf(stderr, "notice %s\n", n.c_str());
    }
    return listed && reported;
  });
  fs::permissions(dir / "locked", fs::perms::all);
  EXPECT_TRUE(ok);
  fs::remove_all(dir);
}

TEST(Sources, TextAndMarkdownFilesAreOneDocumentEach) {
  const fs::path dir = testing::FreshTempDir();
  WriteFile(dir / "notes.md", "# Title\nbody\n");
  WriteFile(dir / "empty.txt", " \n\n");
  std::vector<std::string> notices;
  const auto docs = ReadSourceFile((dir / "notes.md").string(), false, false, &notices);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].kind, SourceKind::kMarkdown);
  EXPECT_EQ(docs[0].title, "notes.md");
  EXPECT_EQ(docs[0].key, (dir / "notes.md").string());
  EXPECT_EQ(docs[0].size, 13);
  EXPECT_TRUE(ReadSourceFile((dir / "empty.txt").string(), false, false, &notices).empty());
  EXPECT_TRUE(Contains(notices, "empty.txt: empty"));
  fs::remove_all(dir);
}

TEST(Sources, JsonlRecordsAndInvalidLinesWithLineNumbers) {
  const fs::path dir = testing::FreshTempDir();
  const std::string path = (dir / "r.jsonl").string();
  WriteFile(dir / "r.jsonl",
        "{\"id\": \"a\", \"title\": \"T\", \"text\": \"alpha\", \"metadata\": {\"lang\": \"en\"}}\n"
        "\n"
        "{not json}\n"
        "{\"id\": 7, \"text\": \"beta\"}\n"
        "[1, 2]\n"
        "{\"text\": 5}\n"
        "{\"id\": \"a\", \"text\": \"dup\"}\n"
        "{\"text\": \"x\", \"metadata\": [1]}\n"
        "{\"title\": \"no text\"}\n"
        "{\"text\": \"gamma\"}\n");
  std::vector<std::string> notices;
  const auto docs = ReadSourceFile(path, false, false, &notices);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].key, path + "#a");
  EXPECT_EQ(docs[0].title, "T");
  EXPECT_EQ(docs[0].metadata_json, "{\"lang\":\"en\"}");
  EXPECT_EQ(docs[0].first_line, 1);
  EXPECT_EQ(docs[1].key, path + "#7");
  EXPECT_EQ(docs[1].title, "r.jsonl");
  EXPECT_EQ(docs[1].first_line, 4);
  EXPECT_EQ(docs[2].key, path + "#line10");
  ASSERT_EQ(notices.size(), 6u);
  EXPECT_TRUE(Contains(notices, path + " line 3: not valid JSON"));
  EXPECT_TRUE(Contains(notices, path + " line 5: expected a JSON object"));
  EXPECT_TRUE(Contains(notices, path + " line 6: \"text\" must be a string"));
  EXPECT_TRUE(Contains(notices, path + " line 7: duplicate id \"a\""));
  EXPECT_TRUE(Contains(notices, path + " line 8: \"metadata\" must be a JSON object"));
  EXPECT_TRUE(Contains(notices, path + " line 9: missing \"text\""));
  try {
    ReadSourceFile(path, false, true, &notices);
    FAIL() << "strict mode must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + " line 3: not valid JSON"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Sources, FaqRecordsNeedQuestionAndAnswer) {
  const fs::path dir = testing::FreshTempDir();
  WriteFile(dir / "qa.jsonl",
        "{\"question\": \"How do I reset?\", \"answer\": \"Hold the button.\"}\n"
        "{\"question\": \"Where?\"}\n");
  std::vector<std::string> notices;
  const auto docs = ReadSourceFile((dir / "qa.jsonl").string(), true, false, &notices);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].kind, SourceKind::kFaq);
  EXPECT_EQ(docs[0].text, "How do I reset?");
  EXPECT_EQ(docs[0].answer, "Hold the button.");
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("line 2: missing \"answer\""), std::string::npos) << notices[0];
  fs::remove_all(dir);
}

TEST(Sources, Sha256MatchesAKnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace gembed::index
