// gembed pull against a loopback hub (fake_hub.h) serving the tiny-text fixture model.
#include "hub/pull.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "embedder/model_folder.h"
#include "fake_hub.h"
#include "hub/blob_lock.h"
#include "hub/file_digest.h"
#include "hub/hub_cache.h"
#include "hub/hub_env.h"
#include "hub/hub_error.h"
#include "hub/model_reference.h"
#include "hub_test_env.h"

namespace gembed::hub {
namespace {
namespace fs = std::filesystem;
using testing::FakeHub;

const std::string kRepo = "test/tiny-text";
const std::string kGated = "test/gated-text";

class PullTest : public testing::HubEnvTest {
 protected:
  void SetUp() override {
    HubEnvTest::SetUp();
    hub_.AddRepo(kRepo, gembed::testing::ModelDir("tiny-text"));
    hub_.AddRepo(kGated, gembed::testing::ModelDir("tiny-text"), /*gated=*/true);
    ::setenv("HF_ENDPOINT", hub_.endpoint().c_str(), 1);
    log_path_ = (home_ / "progress.log").string();
  }

  PullResult PullRepo(const std::string& ref, FileSelection files = {}, const std::string& token = "", int attempts = 5) {
    return Pull({.reference = ref, .token = token, .files = files, .max_attempts = attempts, .progress = progress_.get()});
  }

  // The message of the HubError that pulling `ref` throws ("" when it succeeds).
  std::string PullError(const std::string& ref, const std::string& token = "", HubError::Kind* kind = nullptr, long* status = nullptr) {
    try {
      PullRepo(ref, {.include = {"*.json"}}, token);
    } catch (const HubError& e) {
      if (kind != nullptr) *kind = e.kind();
      if (status != nullptr) *status = e.http_status();
      return e.what();
    }
    return "";
  }

  std::vector<FakeHub::Request> RequestsTo(const std::string& path_part) const {
    std::vector<FakeHub::Request> out;
    for (const auto& r : hub_.requests()) {
      if (r.path.find(path_part) != std::string::npos) out.push_back(r);
    }
    return out;
  }

  RepoCache Cache(const std::string& repo = kRepo) const { return RepoCache(home_ / "hub", repo); }

  FakeHub hub_;
  std::string log_path_;  // set in SetUp, once home_ exists
  std::unique_ptr<PullProgress> progress_ = MakeSilentProgress();
};

TEST_F(PullTest, DownloadsTheModelIntoTheHuggingFaceCacheLayout) {
  const PullResult r = PullRepo(kRepo);
  const std::string commit = hub_.Commit(kRepo);
  const RepoCache cache = Cache();
  EXPECT_EQ(r.commit, commit);
  EXPECT_EQ(r.snapshot, home_ / "hub" / "models--test--tiny-text" / "snapshots" / commit);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.files_downloaded, 14);
  EXPECT_EQ(cache.ResolveRevision("main"), commit);

  const fs::path fixture = gembed::testing::ModelDir("tiny-text");
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(fixture)) {
    if (!e.is_regular_file()) continue;
    ++files;
    const std::string rel = e.path().lexically_relative(fixture).string();
    const fs::path link = r.snapshot / rel;
    ASSERT_TRUE(fs::is_symlink(link)) << rel;
    // Blobs are named as huggingface_hub names them: sha256 for LFS files, git sha1 otherwise.
    const std::string etag = hub_.IsLfs(kRepo, rel) ? hub_.Sha256(kRepo, rel) : hub_.BlobId(kRepo, rel);
    EXPECT_EQ((link.parent_path() / fs::read_symlink(link)).lexically_normal(), cache.BlobPath(etag)) << rel;
    EXPECT_TRUE(fs::read_symlink(link).is_relative()) << rel;
    EXPECT_EQ(Sha256OfFile(link), Sha256OfFile(e.path())) << rel;
  }
  EXPECT_EQ(files, 14);
  for (const auto& e : fs::directory_iterator(cache.root() / "blobs")) {
    EXPECT_EQ(e.path().extension(), "") << "left behind: " << e.path();
  }
  // Found offline by model id, and loadable as a model.
  EXPECT_EQ(ResolveModelReference(kRepo), r.snapshot.string());
  const ModelFolder m = ModelFolder::Load(ResolveModelReference(kRepo), "auto", /*with_weights=*/false);
  EXPECT_EQ(m.config.hidden_size, 32);
}

TEST_F(PullTest, LfsFilesComeFromTheCdnWithoutTheToken) {
  const PullResult r = PullRepo(kGated, {.include = {"model.safetensors", "config.json"}}, FakeHub::kToken);
  EXPECT_EQ(r.files_downloaded, 2);
  const auto resolves = RequestsTo("/resolve/");
  const auto cdn = RequestsTo("/cdn/");
  ASSERT_EQ(resolves.size(), 3u);  // HEAD ×2, GET of the small file
  ASSERT_EQ(cdn.size(), 1u);
  for (const auto& q : resolves) EXPECT_TRUE(q.authorized) << q.method << " " << q.path;
  EXPECT_EQ(cdn[0].host.rfind("localhost:", 0), 0u);
  EXPECT_FALSE(cdn[0].authorized) << "the token went to another host";
  EXPECT_EQ(resolves[0].path, "/" + kGated + "/resolve/" + hub_.Commit(kGated) + "/config.json");
}

TEST_F(PullTest, ASecondPullOnlyAsksForTheFileList) {
  PullRepo(kRepo);
  hub_.ClearRequests();
  const PullResult again = PullRepo(kRepo);
  EXPECT_EQ(again.files_downloaded, 0);
  EXPECT_EQ(again.files_cached, 14);
  ASSERT_EQ(hub_.requests().size(), 1u);
  EXPECT_EQ(hub_.requests()[0].path, "/api/models/" + kRepo + "/revision/main");
}

TEST_F(PullTest, GatedRepositoryWithoutTokenSaysHowToGetAccess) {
  HubError::Kind kind{};
  long status = 0;
  const std::string m = PullError(kGated, "", &kind, &status);
  EXPECT_EQ(kind, HubError::Kind::kHttp);
  EXPECT_EQ(status, 401);
  EXPECT_NE(m.find("test/gated-text is a gated model and no token was given"), std::string::npos) << m;
  EXPECT_NE(m.find("accept its terms"), std::string::npos) << m;
  EXPECT_NE(m.find("--token"), std::string::npos) << m;
  EXPECT_NE(m.find("HF_TOKEN"), std::string::npos) << m;
  EXPECT_NE(m.find(hub_.endpoint() + "/settings/tokens"), std::string::npos) << m;
  EXPECT_FALSE(Cache(kGated).FindSnapshot("main"));
}

TEST_F(PullTest, GatedRepositoryWithATokenWithoutAccessIs403) {
  long status = 0;
  const std::string m = PullError(kGated, "hf_someone_else", nullptr, &status);
  EXPECT_EQ(status, 403);
  EXPECT_NE(m.find("the token has no access to the gated model test/gated-text"), std::string::npos) << m;
}

TEST_F(PullTest, TokenComesFromHfTokenOrTheTokenFile) {
  ::setenv("HF_TOKEN", FakeHub::kToken, 1);
  EXPECT_EQ(PullError(kGated), "");
  ::unsetenv("HF_TOKEN");
  fs::remove_all(home_ / "hub");
  std::ofstream(home_ / "token") << FakeHub::kToken << "\n";
  EXPECT_EQ(PullError(kGated), "");
  EXPECT_TRUE(Cache(kGated).FindSnapshot("main"));
}

TEST_F(PullTest, UnknownRepositoryAndRevisionAre404) {
  long status = 0;
  std::string m = PullError("test/no-such-model", "", nullptr, &status);
  EXPECT_EQ(status, 404);
  EXPECT_NE(m.find("model repository test/no-such-model not found on " + hub_.endpoint()), std::string::npos) << m;
  m = PullError(kRepo + "@v9", "", nullptr, &status);
  EXPECT_EQ(status, 404);
  EXPECT_NE(m.find("revision 'v9' not found in test/tiny-text"), std::string::npos) << m;
}

TEST_F(PullTest, ACutTransferIsResumedWithARangeRequest) {
  const uint64_t size = fs::file_size(fs::path(gembed::testing::ModelDir("tiny-text")) / "model.safetensors");
  hub_.CutTransfers(1, size / 2);
  std::FILE* log = std::fopen(log_path_.c_str(), "w");
  progress_ = MakeLineProgress(log, std::chrono::milliseconds(0));
  const PullResult r = PullRepo(kRepo, {.include = {"model.safetensors"}});
  std::fclose(log);
  EXPECT_EQ(r.files_downloaded, 1);
  EXPECT_EQ(r.bytes_downloaded, size);
  const auto cdn = RequestsTo("/cdn/");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[0].range, "");
  EXPECT_EQ(cdn[0].bytes_sent, size / 2);
  EXPECT_EQ(cdn[1].range, "bytes=" + std::to_string(size / 2) + "-");
  EXPECT_EQ(cdn[1].bytes_sent, size - size / 2);
  EXPECT_EQ(Sha256OfFile(r.snapshot / "model.safetensors"), hub_.Sha256(kRepo, "model.safetensors"));
  std::ifstream in(log_path_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("model.safetensors: transfer broke off"), std::string::npos) << text;
  EXPECT_NE(text.find("resuming (attempt 2 of 5)"), std::string::npos) << text;
  EXPECT_NE(text.find("[1/1] model.safetensors: done"), std::string::npos) << text;
}

TEST_F(PullTest, AFailedPullKeepsThePartialFileAndTheNextOneResumesIt) {
  const std::string file = "tokenizer.json";
  const uint64_t size = fs::file_size(fs::path(gembed::testing::ModelDir("tiny-text")) / file);
  hub_.CutTransfers(1, 3 << 20);
  try {
    PullRepo(kRepo, {.include = {file}}, "", /*attempts=*/1);
    FAIL() << "no error";
  } catch (const HubError& e) {
    EXPECT_EQ(e.kind(), HubError::Kind::kTransfer);
    EXPECT_NE(std::string(e.what()).find("run `gembed pull` again to resume"), std::string::npos) << e.what();
  }
  const RepoCache cache = Cache();
  const std::string sha = hub_.Sha256(kRepo, file);
  EXPECT_EQ(fs::file_size(cache.IncompletePath(sha)), uint64_t(3 << 20));
  EXPECT_FALSE(fs::exists(cache.BlobPath(sha)));
  EXPECT_FALSE(cache.FindSnapshot("main"));  // no ref until a pull completes

  hub_.ClearRequests();
  const PullResult r = PullRepo(kRepo, {.include = {file}});
  const auto cdn = RequestsTo("/cdn/");
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_EQ(cdn[0].range, "bytes=" + std::to_string(3 << 20) + "-");
  EXPECT_EQ(r.bytes_downloaded, size - (3 << 20));
  EXPECT_EQ(Sha256OfFile(r.snapshot / file), sha);
  EXPECT_FALSE(fs::exists(cache.IncompletePath(sha)));
}

TEST_F(PullTest, AServerThatIgnoresTheRangeGivesTheWholeFileAgain) {
  const std::string file = "tokenizer.json";
  hub_.CutTransfers(1, 3 << 20);
  EXPECT_THROW(PullRepo(kRepo, {.include = {file}}, "", /*attempts=*/1), HubError);
  hub_.IgnoreRanges(true);
  hub_.ClearRequests();
  const PullResult r = PullRepo(kRepo, {.include = {file}});
  const auto cdn = RequestsTo("/cdn/");
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_EQ(cdn[0].range, "bytes=" + std::to_string(3 << 20) + "-");  // asked for the rest, got everything
  EXPECT_EQ(Sha256OfFile(r.snapshot / file), hub_.Sha256(kRepo, file));
}

TEST_F(PullTest, DamagedBytesAreRejectedAndNeverPlacedInTheSnapshot) {
  hub_.Corrupt("model.safetensors");
  try {
    PullRepo(kRepo, {.include = {"model.safetensors", "config.json"}});
    FAIL() << "no error";
  } catch (const HubError& e) {
    EXPECT_EQ(e.kind(), HubError::Kind::kIntegrity);
    const std::string m = e.what();
    EXPECT_NE(m.find("model.safetensors from test/tiny-text is damaged: sha256"), std::string::npos) << m;
    EXPECT_NE(m.find("expected " + hub_.Sha256(kRepo, "model.safetensors")), std::string::npos) << m;
  }
  const RepoCache cache = Cache();
  const std::string sha = hub_.Sha256(kRepo, "model.safetensors");
  EXPECT_FALSE(fs::exists(cache.BlobPath(sha)));
  EXPECT_FALSE(fs::exists(cache.IncompletePath(sha)));
  EXPECT_FALSE(fs::exists(cache.SnapshotDir(hub_.Commit(kRepo)) / "model.safetensors"));
}

TEST_F(PullTest, DamagedSmallFilesFailTheGitBlobCheck) {
  hub_.Corrupt("config.json");
  try {
    PullRepo(kRepo, {.include = {"config.json"}});
    FAIL() << "no error";
  } catch (const HubError& e) {
    EXPECT_EQ(e.kind(), HubError::Kind::kIntegrity);
    EXPECT_NE(std::string(e.what()).find("git blob sha1"), std::string::npos) << e.what();
  }
}

TEST_F(PullTest, OfflineModeUsesTheCacheAndNeverTheNetwork) {
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  try {
    PullRepo(kRepo);
    FAIL() << "no error";
  } catch (const HubError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("HF_HUB_OFFLINE is set, and test/tiny-text is not in the Hugging Face cache"), std::string::npos) << m;
  }
  ::unsetenv("HF_HUB_OFFLINE");
  const PullResult online = PullRepo(kRepo, {.include = {"*.json"}});
  hub_.ClearRequests();
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  const PullResult offline = PullRepo(kRepo);
  EXPECT_TRUE(offline.from_cache);
  EXPECT_EQ(offline.snapshot, online.snapshot);
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(PullTest, AnUnreachableHubFallsBackToTheCacheWithANotice) {
  const PullResult online = PullRepo(kRepo, {.include = {"*.json"}});
  ::setenv("HF_ENDPOINT", "http://127.0.0.1:1", 1);  // nothing listens on port 1
  std::FILE* log = std::fopen(log_path_.c_str(), "w");
  progress_ = MakeLineProgress(log);
  const PullResult r = PullRepo(kRepo);
  std::fclose(log);
  EXPECT_TRUE(r.from_cache);
  EXPECT_EQ(r.snapshot, online.snapshot);
  std::ifstream in(log_path_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("cannot reach http://127.0.0.1:1"), std::string::npos) << text;
  EXPECT_NE(text.find("using the cached snapshot of test/tiny-text"), std::string::npos) << text;

  HubError::Kind kind{};
  const std::string m = PullError("test/other", "", &kind);
  EXPECT_EQ(kind, HubError::Kind::kUnreachable);
  EXPECT_NE(m.find("test/other is not in the Hugging Face cache"), std::string::npos) << m;
}

TEST_F(PullTest, ACommitRevisionNeedsNoRef) {
  const std::string commit = hub_.Commit(kRepo);
  const PullResult r = PullRepo(kRepo + "@" + commit, {.include = {"config.json"}});
  EXPECT_EQ(r.commit, commit);
  EXPECT_FALSE(fs::exists(Cache().RefPath("main")));
  EXPECT_FALSE(fs::exists(Cache().RefPath(commit)));
  EXPECT_EQ(ResolveModelReference(kRepo + "@" + commit), r.snapshot.string());
}

TEST_F(PullTest, BlobsAreSharedWithFilesAnotherToolAlreadyFetched) {
  // A blob already present (e.g. from huggingface_hub) is linked, not fetched again.
  const RepoCache cache = Cache();
  fs::create_directories(cache.root() / "blobs");
  const std::string sha = hub_.Sha256(kRepo, "model.safetensors");
  fs::copy_file(fs::path(gembed::testing::ModelDir("tiny-text")) / "model.safetensors", cache.BlobPath(sha));
  const PullResult r = PullRepo(kRepo, {.include = {"model.safetensors"}});
  EXPECT_EQ(r.files_downloaded, 0);
  EXPECT_EQ(r.files_cached, 1);
  EXPECT_TRUE(RequestsTo("/cdn/").empty());
  EXPECT_TRUE(fs::is_symlink(r.snapshot / "model.safetensors"));
}

// Notices, as a PullProgress sees them, for tests that run a pull on another thread.
class NoticeRecorder : public PullProgress {
 public:
  void Notice(const std::string& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    notices_ += m + "\n";
  }
  void FileStart(const std::string&, int, int, uint64_t, uint64_t) override {}
  void FileProgress(uint64_t) override {}
  void FileDone(bool) override {}
  std::string notices() {
    std::lock_guard<std::mutex> lock(mu_);
    return notices_;
  }

 private:
  std::mutex mu_;
  std::string notices_;
};

TEST_F(PullTest, ABlobBeingDownloadedElsewhereIsWaitedFor) {
  const std::string sha = hub_.Sha256(kRepo, "2_Dense/model.safetensors");
  auto holder = std::make_unique<BlobLock>(Cache().LockPath(sha), nullptr);  // as another pull would hold it
  EXPECT_EQ(Cache().LockPath(sha), home_ / "hub" / ".locks" / "models--test--tiny-text" / (sha + ".lock"));
  NoticeRecorder recorder;
  std::atomic<bool> done{false};
  std::thread puller([&] {
    Pull({.reference = kRepo, .files = {.include = {"2_Dense/model.safetensors"}}, .progress = &recorder});
    done = true;
  });
  for (int i = 0; i < 500 && recorder.notices().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(recorder.notices().find("2_Dense/model.safetensors: another process is downloading it; waiting"), std::string::npos);
  EXPECT_FALSE(done);
  EXPECT_TRUE(RequestsTo("/cdn/").empty());
  holder.reset();
  puller.join();
  EXPECT_TRUE(done);
  EXPECT_EQ(Sha256OfFile(Cache().SnapshotDir(hub_.Commit(kRepo)) / "2_Dense/model.safetensors"), sha);
}

}  // namespace
}  // namespace gembed::hub
