// `gembed pull` and `--model org/name` end to end: the real binary against a loopback hub.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fake_hub.h"
#include "fixtures.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using gembed::hub::testing::FakeHub;

struct RunResult {
  int status;
  std::string out, err;
};

class PullCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = gembed::testing::FreshTempDir();
    hub_.AddRepo("test/tiny-text", gembed::testing::ModelDir("tiny-text"));
    hub_.AddRepo("test/gated-text", gembed::testing::ModelDir("tiny-text"), /*gated=*/true);
    for (const char* v : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
                          "GEMBED_MODEL"}) {
      ::unsetenv(v);
    }
    ::setenv("HF_HOME", home_.c_str(), 1);
    ::setenv("HF_ENDPOINT", hub_.endpoint().c_str(), 1);
  }
  void TearDown() override { fs::remove_all(home_); }

  RunResult Gembed(const std::string& args) {
    const std::string cmd = std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed " + args + " </dev/null >" + (home_ / "out").string() + " 2>" +
                            (home_ / "err").string();
    const int rc = std::system(cmd.c_str());
    const auto slurp = [](const fs::path& p) {
      std::ifstream f(p, std::ios::binary);
      return std::string((std::istreambuf_iterator<char>(f)), {});
    };
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(home_ / "out"), slurp(home_ / "err")};
  }

  fs::path home_;
  FakeHub hub_;
};

TEST_F(PullCliTest, PullPrintsTheSnapshotAndModelIdsWorkEverywhere) {
  const RunResult pull = Gembed("pull test/tiny-text");
  ASSERT_EQ(pull.status, 0) << pull.err;
  const fs::path snapshot = home_ / "hub" / "models--test--tiny-text" / "snapshots" / hub_.Commit("test/tiny-text");
  EXPECT_EQ(pull.out, snapshot.string() + "\n");
  // Not a terminal: plain progress lines on stderr.
  EXPECT_NE(pull.err.find("downloading model.safetensors (16.9 MB)"), std::string::npos) << pull.err;
  EXPECT_NE(pull.err.find("model.safetensors: done"), std::string::npos) << pull.err;
  EXPECT_NE(pull.err.find("14 files downloaded"), std::string::npos) << pull.err;
  EXPECT_EQ(pull.err.find('\r'), std::string::npos) << "no bar when stderr is a file";

  const RunResult by_id = Gembed("embed --model test/tiny-text hello");
  const RunResult by_path = Gembed("embed --model " + gembed::testing::ModelDir("tiny-text") + " hello");
  ASSERT_EQ(by_id.status, 0) << by_id.err;
  EXPECT_EQ(by_id.out, by_path.out);
  ::setenv("GEMBED_MODEL", "test/tiny-text", 1);
  const RunResult info = Gembed("info --json");
  EXPECT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find(snapshot.string()), std::string::npos) << info.out;

  // Pulled again: served from the cache, quietly.
  const RunResult again = Gembed("pull --quiet test/tiny-text");
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, snapshot.string() + "\n");
  EXPECT_EQ(again.err, "");
}

TEST_F(PullCliTest, GatedModelNeedsAToken) {
  const RunResult denied = Gembed("pull test/gated-text --include '*.json'");
  EXPECT_EQ(denied.status, 1);
  EXPECT_NE(denied.err.find("gembed: error: test/gated-text is a gated model and no token was given"), std::string::npos) << denied.err;
  // --include takes one glob each time, so the repository may follow it.
  const RunResult ok = Gembed(std::string("pull --include '*.json' --include '2_Dense/*' test/gated-text --token ") + FakeHub::kToken);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.err.find("2_Dense/model.safetensors: done"), std::string::npos) << ok.err;
  EXPECT_EQ(ok.err.find("downloading model.safetensors"), std::string::npos) << ok.err;
  EXPECT_EQ(ok.err.find("TOKENIZER_NOTE.txt"), std::string::npos) << ok.err;
}

TEST_F(PullCliTest, ClearErrorsForModelsNotPulledAndBadNames) {
  const RunResult missing = Gembed("embed --model test/never-pulled hello");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("run `gembed pull test/never-pulled`"), std::string::npos) << missing.err;
  const RunResult not_found = Gembed("pull test/never-pulled");
  EXPECT_EQ(not_found.status, 1);
  EXPECT_NE(not_found.err.find("not found"), std::string::npos) << not_found.err;
  const RunResult bad = Gembed("pull not-a-repo");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("expected ORG/NAME or ORG/NAME@REVISION"), std::string::npos) << bad.err;
  EXPECT_EQ(Gembed("pull").status, 2);
  EXPECT_EQ(Gembed("pull test/tiny-text --all --include '*.json'").status, 2);
}

}  // namespace
}  // namespace gembed::cli
