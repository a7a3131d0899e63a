#include "hub/hub_cache.h"

#include <fstream>

#include "base/error.h"
#include "hub/hub_env.h"
#include "hub/model_reference.h"
#include "hub/repo_ref.h"
#include "hub_test_env.h"

namespace gembed::hub {
namespace {
namespace fs = std::filesystem;
using testing::HubEnvTest;

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kOtherCommit = "89abcdef0123456789abcdef0123456789abcdef";

TEST(RepoRef, ParsesIdAndRevision) {
  const auto a = ParseRepoRef("google/embeddinggemma-300m");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->repo_id, "google/embeddinggemma-300m");
  EXPECT_EQ(a->revision, "main");
  const auto b = ParseRepoRef("org/name@refs/pr/1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->repo_id, "org/name");
  EXPECT_EQ(b->revision, "refs/pr/1");
  for (const char* bad : {"name", "a/b/c", "/abs/path", "./x", "org/", "org/na me", "org/name@", "org/name@../../x", "../x", "org/-x", "org/a--b"}) {
    EXPECT_FALSE(ParseRepoRef(bad)) << bad;
  }
  EXPECT_THROW(ParseRepoRefOrThrow("not-a-repo"), Error);
  EXPECT_TRUE(IsCommitHash(kCommit));
  EXPECT_FALSE(IsCommitHash("main"));
}

TEST(RepoCache, PathsFollowHuggingFaceHubsLayout) {
  EXPECT_EQ(RepoFolderName("google/embeddinggemma-300m"), "models--google--embeddinggemma-300m");
  const RepoCache c("/cache", "org/name");
  EXPECT_EQ(c.root(), "/cache/models--org--name");
  EXPECT_EQ(c.BlobPath("abc"), "/cache/models--org--name/blobs/abc");
  EXPECT_EQ(c.IncompletePath("abc"), "/cache/models--org--name/blobs/abc.incomplete");
  EXPECT_EQ(c.SnapshotDir(kCommit), "/cache/models--org--name/snapshots/" + kCommit);
  EXPECT_EQ(c.RefPath("main"), "/cache/models--org--name/refs/main");
}

TEST_F(HubEnvTest, RefsAndRelativeSnapshotLinks) {
  const RepoCache c(HubCacheDir(), "org/name");
  fs::create_directories(c.root() / "blobs");
  std::ofstream(c.BlobPath("e1")) << "top";
  std::ofstream(c.BlobPath("e2")) << "nested";
  c.LinkSnapshotFile(kCommit, "config.json", "e1");
  c.LinkSnapshotFile(kCommit, "1_Pooling/config.json", "e2");
  c.WriteRef("main", kCommit);
  c.WriteRef(kCommit, kCommit);  // a commit needs no ref

  EXPECT_EQ(fs::read_symlink(c.SnapshotDir(kCommit) / "config.json"), "../../blobs/e1");
  EXPECT_EQ(fs::read_symlink(c.SnapshotDir(kCommit) / "1_Pooling/config.json"), "../../../blobs/e2");
  std::ifstream ref(c.RefPath("main"));
  std::string text((std::istreambuf_iterator<char>(ref)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, kCommit);  // no newline, as huggingface_hub writes it
  EXPECT_FALSE(fs::exists(c.RefPath(kCommit)));
  EXPECT_EQ(c.ResolveRevision("main"), kCommit);
  EXPECT_EQ(c.ResolveRevision(kOtherCommit), kOtherCommit);
  EXPECT_FALSE(c.ResolveRevision("v2"));
  EXPECT_EQ(c.LinkedEtag(kCommit, "1_Pooling/config.json"), "e2");
  fs::remove(c.BlobPath("e2"));
  EXPECT_FALSE(c.LinkedEtag(kCommit, "1_Pooling/config.json"));  // dangling link: not cached
}

// A cache as huggingface_hub (or sentence-transformers) leaves it, built by hand: the
// model is found offline, by branch and by commit.
TEST_F(HubEnvTest, ModelIdResolvesFromACacheWrittenByPythonTools) {
  const fs::path repo = home_ / "hub" / "models--google--embeddinggemma-300m";
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "refs");
  fs::create_directories(repo / "snapshots" / kCommit / "2_Dense");
  std::ofstream(repo / "blobs" / "aaaa") << "{}";
  std::ofstream(repo / "blobs" / "bbbb") << "weights";
  fs::create_symlink("../../blobs/aaaa", repo / "snapshots" / kCommit / "config.json");
  fs::create_symlink("../../../blobs/bbbb", repo / "snapshots" / kCommit / "2_Dense" / "model.safetensors");
  std::ofstream(repo / "refs" / "main") << kCommit;

  const std::string snapshot = (repo / "snapshots" / kCommit).string();
  EXPECT_EQ(ResolveModelReference("google/embeddinggemma-300m"), snapshot);
  EXPECT_EQ(ResolveModelReference("google/embeddinggemma-300m@main"), snapshot);
  EXPECT_EQ(ResolveModelReference("google/embeddinggemma-300m@" + kCommit), snapshot);
  std::ifstream weights(fs::path(ResolveModelReference("google/embeddinggemma-300m")) / "2_Dense" / "model.safetensors");
  std::string w;
  weights >> w;
  EXPECT_EQ(w, "weights");

  ::setenv("HF_HUB_CACHE", (home_ / "elsewhere").c_str(), 1);  // the cache moved: not found there
  EXPECT_THROW(ResolveModelReference("google/embeddinggemma-300m"), Error);
}

TEST_F(HubEnvTest, UncachedModelIdSaysToPullIt) {
  try {
    ResolveModelReference("google/embeddinggemma-300m@v2");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("run `gembed pull google/embeddinggemma-300m@v2`"), std::string::npos) << m;
    EXPECT_NE(m.find((home_ / "hub").string()), std::string::npos) << m;
  }
}

TEST_F(HubEnvTest, PathsAndNonIdsPassThroughUnchanged) {
  const fs::path local = home_ / "org" / "name";
  fs::create_directories(local);
  const std::string cwd = fs::current_path();
  fs::current_path(home_);
  EXPECT_EQ(ResolveModelReference("org/name"), "org/name");  // an existing folder wins over the cache
  fs::current_path(cwd);
  EXPECT_EQ(ResolveModelReference("/no/such/folder"), "/no/such/folder");
  EXPECT_EQ(ResolveModelReference("model.gguf"), "model.gguf");
  EXPECT_EQ(ResolveModelReference(""), "");
}

TEST_F(HubEnvTest, SnapshotOfAGgufRepositoryResolvesToItsFile) {
  const RepoCache c(HubCacheDir(), "org/model-GGUF");
  fs::create_directories(c.root() / "blobs");
  std::ofstream(c.BlobPath("g1")) << "GGUF";
  c.LinkSnapshotFile(kCommit, "model-Q8_0.gguf", "g1");
  c.WriteRef("main", kCommit);
  EXPECT_EQ(ResolveModelReference("org/model-GGUF"), (c.SnapshotDir(kCommit) / "model-Q8_0.gguf").string());
  std::ofstream(c.BlobPath("g2")) << "GGUF";
  c.LinkSnapshotFile(kCommit, "model-F32.gguf", "g2");
  try {
    ResolveModelReference("org/model-GGUF");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("several GGUF files"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gembed::hub
