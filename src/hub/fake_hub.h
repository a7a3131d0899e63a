// A loopback stand-in for huggingface.co, for tests: it serves model folders the way the hub
// does — the API's file list with sizes, blob ids and LFS sha256 (?blobs=true), resolve URLs
// with X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size headers, LFS files redirected to
// a "CDN" on another host name (localhost instead of 127.0.0.1), Range requests, 401/403 for
// a gated repository, X-Error-Code on errors — and it can misbehave on purpose: cut a
// transfer midway, or send damaged bytes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace gembed::hub::testing {

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();

  // Serves every file under `dir` as repository `repo_id` (branch main). A gated repository
  // answers 401 without a token and 403 with any token but `kToken`.
  void AddRepo(const std::string& repo_id, const std::string& dir, bool gated = false);
  static constexpr const char* kToken = "hf_fake_token_with_access";

  std::string endpoint() const;                             // http://127.0.0.1:PORT
  std::string Commit(const std::string& repo_id) const;     // its fixed commit hash
  std::string Sha256(const std::string& repo_id, const std::string& path) const;
  std::string BlobId(const std::string& repo_id, const std::string& path) const;
  bool IsLfs(const std::string& repo_id, const std::string& path) const;

  // The next `transfers` file transfers stop (connection closed) after `after_bytes` bytes.
  void CutTransfers(int transfers, uint64_t after_bytes);
  // File `path` is sent with one byte changed (its published digests stay right).
  void Corrupt(const std::string& path);
  // Range headers are ignored: every transfer sends the whole file with 200, as some
  // servers and proxies do.
  void IgnoreRanges(bool ignore);

  struct Request {
    std::string method;  // GET, HEAD
    std::string host;    // the Host header: 127.0.0.1:PORT or localhost:PORT
    std::string path;
    std::string range;   // the Range header, "" when none
    bool authorized = false;  // an Authorization header was sent
    uint64_t bytes_sent = 0;  // of a file body
  };
  std::vector<Request> requests() const;
  void ClearRequests();

 private:
  struct File {
    std::string path, content, sha256, blob_id;
    bool lfs = false;
  };
  struct Repo {
    std::string commit;
    bool gated = false;
    std::map<std::string, File> files;
  };
  void Serve();
  size_t Log(Request r);
  const File* Find(const std::string& repo_id, const std::string& path) const;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, Repo> repos_;
  std::vector<Request> requests_;
  int cuts_left_ = 0;
  uint64_t cut_after_ = 0;
  std::string corrupt_;
  bool ignore_ranges_ = false;
};

}  // namespace gembed::hub::testing
