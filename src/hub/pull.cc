#include "hub/pull.h"

#include <sys/statvfs.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "hub/blob_lock.h"
#include "hub/file_digest.h"
#include "hub/hub_cache.h"
#include "hub/hub_env.h"
#include "hub/hub_error.h"
#include "hub/hub_status.h"
#include "hub/http_client.h"
#include "hub/partial_file.h"
#include "hub/repo_ref.h"

namespace gembed::hub {
namespace fs = std::filesystem;
namespace {

// One file of the repository as the hub's API lists it (?blobs=true).
struct RepoFile {
  std::string path;
  int64_t size = -1;    // -1: not listed
  std::string sha256;   // LFS files
  std::string blob_id;  // git blob sha1
  // The name huggingface_hub gives the blob: the ETag the hub will answer with.
  std::string ExpectedEtag() const { return !sha256.empty() ? sha256 : blob_id; }
};

struct RepoInfo {
  std::string commit;
  std::vector<RepoFile> files;
};

// A path from the hub becomes a path on disk: it must stay inside the snapshot.
bool IsSafeRelativePath(const std::string& p) {
  if (p.empty() || p[0] == '/' || p.find('\\') != std::string::npos || p.find('\0') != std::string::npos) return false;
  for (const auto& part : fs::path(p)) {
    if (part == ".." || part == "." || part.empty()) return false;
  }
  return p.back() != '/';
}

std::string Header(const HttpResponse& r, const std::string& name) {
  const auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// ETags come quoted and maybe weak (W/"…"); the cache names blobs by the bare value.
std::string NormalizeEtag(std::string e) {
  if (e.rfind("W/", 0) == 0) e.erase(0, 2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

bool IsHex(const std::string& s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

RepoInfo ParseRepoInfo(const std::string& body, const std::string& url) {
  const auto fail = [&](const std::string& why) { return Error("unexpected answer from " + url + ": " + why); };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw fail("not JSON");
  }
  if (!j.is_object() || !j.contains("sha") || !j["sha"].is_string() || !IsCommitHash(j["sha"].get<std::string>())) {
    throw fail("no commit hash in \"sha\"");
  }
  RepoInfo info;
  info.commit = j["sha"].get<std::string>();
  if (!j.contains("siblings") || !j["siblings"].is_array()) throw fail("no \"siblings\" file list");
  for (const auto& s : j["siblings"]) {
    if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) throw fail("a file without \"rfilename\"");
    RepoFile f;
    f.path = s["rfilename"].get<std::string>();
    if (!IsSafeRelativePath(f.path)) throw fail("unsafe file path '" + f.path + "'");
    if (s.contains("size") && s["size"].is_number_integer()) f.size = s["size"].get<int64_t>();
    if (s.contains("blobId") && s["blobId"].is_string() && IsHex(s["blobId"].get<std::string>(), 40)) f.blob_id = s["blobId"].get<std::string>();
    if (s.contains("lfs") && s["lfs"].is_object()) {
      const auto& lfs = s["lfs"];
      if (lfs.contains("sha256") && lfs["sha256"].is_string() && IsHex(lfs["sha256"].get<std::string>(), 64)) f.sha256 = lfs["sha256"].get<std::string>();
      if (lfs.contains("size") && lfs["size"].is_number_integer()) f.size = lfs["size"].get<int64_t>();
    }
    info.files.push_back(f);
  }
  return info;
}

bool IsTransferFailure(const HubError& e) {
  return e.kind() == HubError::Kind::kTransfer || e.kind() == HubError::Kind::kUnreachable;
}

class Puller {
 public:
  explicit Puller(const PullOptions& o)
      : options_(o),
        ref_(ParseRepoRefOrThrow(o.reference)),
        cache_dir_(HubCacheDir()),
        cache_(cache_dir_, ref_.repo_id),
        endpoint_(HubEndpoint()),
        token_(HubToken(o.token)),
        client_(token_, UrlOrigin(endpoint_)),
        silent_(MakeSilentProgress()),
        progress_(o.progress != nullptr ? *o.progress : *silent_) {}

  PullResult Run() {
    if (HubOffline()) return FromCache("HF_HUB_OFFLINE is set");
    RepoInfo info;
    try {
      info = FetchInfo();
    } catch (const HubError& e) {
      if (!IsTransferFailure(e)) throw;
      return FromCache("cannot reach " + endpoint_ + " (" + e.what() + ")");
    }
    std::vector<std::string> names;
    for (const auto& f : info.files) names.push_back(f.path);
    const std::vector<std::string> chosen = SelectFiles(names, options_.files);
    std::vector<const RepoFile*> files;
    for (const auto& f : info.files) {
      if (std::find(chosen.begin(), chosen.end(), f.path) != chosen.end()) files.push_back(&f);
    }
    PullResult result;
    result.commit = info.commit;
    result.snapshot = cache_.SnapshotDir(info.commit);
    std::error_code ec;
    fs::create_directories(cache_.root() / "blobs", ec);
    if (ec) throw Error("cannot create the cache folder " + (cache_.root() / "blobs").string() + ": " + ec.message());
    CheckFreeSpace(files, info.commit);
    for (size_t i = 0; i < files.size(); ++i) PullFile(*files[i], info.commit, int(i) + 1, int(files.size()), result);
    fs::create_directories(result.snapshot, ec);  // even a repository with no selected files has a snapshot
    cache_.WriteRef(ref_.revision, info.commit);
    return result;
  }

 private:
  RequestContext Context(const std::string& file = "") const {
    return {.endpoint = endpoint_, .repo_id = ref_.repo_id, .revision = ref_.revision, .file = file, .has_token = !token_.empty()};
  }

  PullResult FromCache(const std::string& why) {
    const auto snapshot = cache_.FindSnapshot(ref_.revision);
    const std::string name = ref_.repo_id + (ref_.revision == "main" ? "" : "@" + ref_.revision);
    if (!snapshot) {
      throw HubError(HubError::Kind::kUnreachable, why + ", and " + name + " is not in the Hugging Face cache (" + cache_dir_.string() +
                                                       "): connect to the network (or point HF_ENDPOINT at a mirror) and run `gembed pull " +
                                                       name + "` again");
    }
    progress_.Notice(why + ": using the cached snapshot of " + name + " (" + snapshot->filename().string() + ")");
    PullResult r;
    r.snapshot = *snapshot;
    r.commit = snapshot->filename().string();
    r.from_cache = true;
    return r;
  }

  RepoInfo FetchInfo() {
    const std::string url = endpoint_ + "/api/models/" + ref_.repo_id + "/revision/" + UrlEncodePath(ref_.revision, false) + "?blobs=true";
    const HttpResponse r = client_.Get(url);
    if (r.status != 200) ThrowForStatus(r, Context());
    return ParseRepoInfo(r.body, url);
  }

  // Fails early rather than filling the disk: the bytes still to fetch against what is free.
  void CheckFreeSpace(const std::vector<const RepoFile*>& files, const std::string& commit) {
    uint64_t needed = 0;
    std::error_code ec;
    for (const RepoFile* f : files) {
      if (f->size < 0 || (!f->ExpectedEtag().empty() && fs::exists(cache_.BlobPath(f->ExpectedEtag()), ec))) continue;
      uint64_t have = 0;
      if (!f->ExpectedEtag().empty()) {
        const auto partial = fs::file_size(cache_.IncompletePath(f->ExpectedEtag()), ec);
        if (!ec) have = partial;
      }
      needed += uint64_t(f->size) > have ? uint64_t(f->size) - have : 0;
    }
    struct statvfs st {};
    if (::statvfs((cache_.root() / "blobs").c_str(), &st) != 0) return;
    const uint64_t free_bytes = uint64_t(st.f_bavail) * st.f_frsize;
    if (needed > free_bytes) {
      throw HubError(HubError::Kind::kDiskFull, "not enough disk space for " + ref_.repo_id + ": " + HumanSize(needed) + " to download, " +
                                                    HumanSize(free_bytes) + " free in " + cache_dir_.string() +
                                                    " (free some space, or set HF_HUB_CACHE to another disk)");
    }
  }

  bool BlobComplete(const std::string& etag, int64_t size) const {
    std::error_code ec;
    const auto n = fs::file_size(cache_.BlobPath(etag), ec);
    return !ec && (size < 0 || n == uint64_t(size));
  }

  void PullFile(const RepoFile& f, const std::string& commit, int index, int count, PullResult& result) {
    const std::string expected = f.ExpectedEtag();
    // Already in this snapshot, or its blob already fetched (another revision, or Python):
    // no request at all.
    if (!expected.empty() && BlobComplete(expected, f.size)) {
      progress_.FileStart(f.path, index, count, f.size < 0 ? 0 : f.size, f.size < 0 ? 0 : f.size);
      if (cache_.LinkedEtag(commit, f.path) != expected) cache_.LinkSnapshotFile(commit, f.path, expected);
      progress_.FileDone(false);
      ++result.files_cached;
      return;
    }
    const std::string resolve = endpoint_ + "/" + ref_.repo_id + "/resolve/" + commit + "/" + UrlEncodePath(f.path);
    for (int attempt = 1;; ++attempt) {
      try {
        DownloadFile(f, resolve, commit, index, count, result);
        return;
      } catch (const HubError& e) {
        if (!IsTransferFailure(e) || attempt >= options_.max_attempts) {
          if (IsTransferFailure(e)) {
            throw HubError(HubError::Kind::kTransfer, "download of " + f.path + " failed after " + std::to_string(attempt) + " attempt" +
                                                          (attempt > 1 ? "s" : "") + " (" + e.what() +
                                                          "); what arrived is kept: run `gembed pull` again to resume");
          }
          throw;
        }
        progress_.Notice(f.path + ": transfer broke off (" + std::string(e.what()) + "); resuming (attempt " + std::to_string(attempt + 1) +
                         " of " + std::to_string(options_.max_attempts) + ")");
      }
    }
  }

  void DownloadFile(const RepoFile& f, const std::string& resolve, const std::string& commit, int index, int count, PullResult& result) {
    // HEAD first, as huggingface_hub does: the ETag names the blob, the size checks it, and
    // Location is where the bytes are (a CDN for LFS files).
    const HttpResponse head = client_.Head(resolve);
    if (head.status >= 400) ThrowForStatus(head, Context(f.path));
    std::string etag = NormalizeEtag(Header(head, "x-linked-etag"));
    if (etag.empty()) etag = NormalizeEtag(Header(head, "etag"));
    if (etag.empty()) etag = f.ExpectedEtag();
    if (etag.empty() || etag.find('/') != std::string::npos || etag == "." || etag == "..") {
      throw HubError(HubError::Kind::kIntegrity, "the hub gave no usable ETag for " + f.path + ": cannot name it in the cache");
    }
    int64_t size = f.size;
    if (size < 0) {
      std::string s = Header(head, "x-linked-size");
      if (s.empty()) s = Header(head, "content-length");
      int64_t n = -1;
      if (std::from_chars(s.data(), s.data() + s.size(), n).ec == std::errc() && n >= 0) size = n;
    }
    const std::string location = head.status >= 300 && !Header(head, "location").empty() ? Header(head, "location") : resolve;
    const std::string where = location[0] == '/' ? UrlOrigin(resolve) + location : location;

    // One download of a blob at a time, across processes (and with huggingface_hub).
    const BlobLock lock(cache_.LockPath(etag), [&] { progress_.Notice(f.path + ": another process is downloading it; waiting"); });
    if (BlobComplete(etag, size)) {
      progress_.FileStart(f.path, index, count, size < 0 ? 0 : size, size < 0 ? 0 : size);
      cache_.LinkSnapshotFile(commit, f.path, etag);
      progress_.FileDone(false);
      ++result.files_cached;
      return;
    }
    const fs::path partial_path = cache_.IncompletePath(etag);
    {
      std::error_code ec;
      const auto have = fs::file_size(partial_path, ec);
      if (!ec && size >= 0 && have > uint64_t(size)) fs::remove(partial_path, ec);  // not this file: start over
    }
    PartialFile partial(partial_path);
    const uint64_t offset = partial.size();
    const uint64_t total = size < 0 ? 0 : uint64_t(size);
    progress_.FileStart(f.path, index, count, total, offset);
    if (size < 0 || offset < uint64_t(size)) {
      bool first = true;
      const HttpResponse r = client_.Download(
          where, offset,
          [&](const char* data, size_t n, long status) {
            if (first && status == 200 && partial.size() > 0) partial.Truncate();  // Range ignored: whole file again
            first = false;
            partial.Append(data, n);
            result.bytes_downloaded += n;
          },
          [&](uint64_t) { progress_.FileProgress(partial.size()); });
      if (r.status == 416) {  // our offset is past the end: the partial file is not this file
        partial.Truncate();
        partial.Close();
        throw HubError(HubError::Kind::kTransfer, "the server refused to resume " + f.path + " (HTTP 416)");
      }
      if (r.status >= 400) ThrowForStatus(r, Context(f.path));
    }
    partial.Close();
    const uint64_t got = fs::file_size(partial_path);
    if (size >= 0 && got < uint64_t(size)) {
      throw HubError(HubError::Kind::kTransfer, "the connection closed after " + HumanSize(got) + " of " + HumanSize(size));
    }
    Verify(f, etag, partial_path, size);
    std::error_code ec;
    fs::rename(partial_path, cache_.BlobPath(etag), ec);
    if (ec) throw Error("cannot move " + partial_path.string() + " into place: " + ec.message());
    cache_.LinkSnapshotFile(commit, f.path, etag);
    progress_.FileDone(true);
    ++result.files_downloaded;
  }

  // Size, then the digest the hub published: sha256 for LFS files, the git blob sha1 for
  // the others. A file that fails is deleted (resuming it would only keep the damage).
  void Verify(const RepoFile& f, const std::string& etag, const fs::path& path, int64_t size) {
    const uint64_t got = fs::file_size(path);
    const auto reject = [&](const std::string& why) {
      std::error_code ec;
      fs::remove(path, ec);
      return HubError(HubError::Kind::kIntegrity, f.path + " from " + ref_.repo_id + " is damaged: " + why + "; the download was deleted, run `gembed pull` again");
    };
    if (size >= 0 && got != uint64_t(size)) throw reject(std::to_string(got) + " bytes instead of " + std::to_string(size));
    const std::string sha256 = !f.sha256.empty() ? f.sha256 : (IsHex(etag, 64) ? etag : "");
    const std::string sha1 = f.sha256.empty() ? (!f.blob_id.empty() ? f.blob_id : (IsHex(etag, 40) ? etag : "")) : "";
    if (!sha256.empty()) {
      if (const std::string d = Sha256OfFile(path); d != sha256) throw reject("sha256 " + d + ", expected " + sha256);
    } else if (!sha1.empty()) {
      if (const std::string d = GitBlobSha1OfFile(path); d != sha1) throw reject("git blob sha1 " + d + ", expected " + sha1);
    }
  }

  const PullOptions& options_;
  RepoRef ref_;
  fs::path cache_dir_;
  RepoCache cache_;
  std::string endpoint_;
  std::string token_;
  HttpClient client_;
  std::unique_ptr<PullProgress> silent_;
  PullProgress& progress_;
};

}  // namespace

PullResult Pull(const PullOptions& options) { return Puller(options).Run(); }

}  // namespace gembed::hub
