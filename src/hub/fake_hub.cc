#include "fake_hub.h"

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "hub/file_digest.h"

namespace gembed::hub::testing {
namespace fs = std::filesystem;

namespace {
std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void HubError(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_header("X-Error-Code", code);
  res.set_header("X-Error-Message", message);
  res.set_content("{\"error\":\"" + message + "\"}", "application/json");
}
}  // namespace

FakeHub::FakeHub() : server_(std::make_unique<httplib::Server>()) {
  Serve();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeHub: cannot bind a loopback port");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeHub::~FakeHub() {
  server_->stop();
  thread_.join();
}

void FakeHub::AddRepo(const std::string& repo_id, const std::string& dir, bool gated) {
  Repo repo;
  repo.gated = gated;
  repo.commit = GitBlobSha1OfString("commit of " + repo_id);
  // Read and hashed once per folder and process (tests serve one fixture as several repos).
  static std::mutex cache_mu;
  static std::map<std::string, std::map<std::string, File>> cache;
  std::lock_guard<std::mutex> cache_lock(cache_mu);
  auto& files = cache[dir];
  if (files.empty()) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      File f;
      f.path = e.path().lexically_relative(dir).string();
      f.content = ReadAll(e.path());
      f.sha256 = Sha256OfString(f.content);
      // The hub stores weights and large files in LFS; small text files in git.
      f.lfs = e.path().extension() == ".safetensors" || f.content.size() > 1000000;
      f.blob_id = GitBlobSha1OfString(f.lfs ? "version https://git-lfs.github.com/spec/v1\noid sha256:" + f.sha256 : f.content);
      files[f.path] = std::move(f);
    }
  }
  if (files.empty()) throw std::runtime_error("FakeHub: no files in " + dir);
  repo.files = files;
  std::lock_guard<std::mutex> lock(mu_);
  repos_[repo_id] = std::move(repo);
}

std::string FakeHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string FakeHub::Commit(const std::string& repo_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return repos_.at(repo_id).commit;
}
std::string FakeHub::Sha256(const std::string& repo_id, const std::string& path) const { return Find(repo_id, path)->sha256; }
std::string FakeHub::BlobId(const std::string& repo_id, const std::string& path) const { return Find(repo_id, path)->blob_id; }
bool FakeHub::IsLfs(const std::string& repo_id, const std::string& path) const { return Find(repo_id, path)->lfs; }

const FakeHub::File* FakeHub::Find(const std::string& repo_id, const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return &repos_.at(repo_id).files.at(path);
}

void FakeHub::CutTransfers(int transfers, uint64_t after_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  cuts_left_ = transfers;
  cut_after_ = after_bytes;
}

void FakeHub::Corrupt(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  corrupt_ = path;
}

void FakeHub::IgnoreRanges(bool ignore) {
  std::lock_guard<std::mutex> lock(mu_);
  ignore_ranges_ = ignore;
}

std::vector<FakeHub::Request> FakeHub::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeHub::ClearRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.clear();
}

size_t FakeHub::Log(Request r) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(std::move(r));
  return requests_.size() - 1;
}

void FakeHub::Serve() {
  const auto request_of = [](const httplib::Request& req) {
    return Request{.method = req.method, .host = req.get_header_value("Host"), .path = req.path,
                   .range = req.get_header_value("Range"), .authorized = req.has_header("Authorization")};
  };

  // The file list: GET /api/models/{org}/{name}/revision/{revision}?blobs=true
  server_->Get(R"(/api/models/([^/]+)/([^/]+)/revision/(.+))", [this, request_of](const httplib::Request& req, httplib::Response& res) {
    Log(request_of(req));
    const std::string id = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    const std::string revision = req.matches[3];
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = repos_.find(id);
    if (it == repos_.end()) return HubError(res, 404, "RepoNotFound", "Repository not found");
    const Repo& repo = it->second;
    if (revision != "main" && revision != repo.commit) return HubError(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
    nlohmann::json siblings = nlohmann::json::array();
    const bool blobs = req.get_param_value("blobs") == "true";
    for (const auto& [path, f] : repo.files) {
      nlohmann::json s = {{"rfilename", path}};
      if (blobs) {
        s["blobId"] = f.blob_id;
        s["size"] = f.content.size();
        if (f.lfs) s["lfs"] = {{"sha256", f.sha256}, {"size", f.content.size()}, {"pointerSize", 134}};
      }
      siblings.push_back(s);
    }
    nlohmann::json body = {{"id", id}, {"sha", repo.commit}, {"gated", repo.gated ? nlohmann::json("manual") : nlohmann::json(false)},
                           {"siblings", siblings}};
    res.set_content(body.dump(), "application/json");
  });

  // File bytes, with the given range and cut rules.
  const auto send_file = [this](const httplib::Request& req, httplib::Response& res, const File& f, size_t log_index) {
    std::string content = f.content;
    uint64_t cut = UINT64_MAX;
    bool whole = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      whole = ignore_ranges_;
      if (corrupt_ == f.path && !content.empty()) content[content.size() / 2] ^= 0x5a;
      if (req.method == "GET" && cuts_left_ > 0) --cuts_left_, cut = cut_after_;
    }
    auto shared = std::make_shared<std::string>(std::move(content));
    if (whole) {  // a plain 200 with the whole body, whatever the Range asked for
      // httplib applies req.ranges to any body after the handler returns; the Request it
      // hands us is its own non-const object, so clearing them is defined behaviour.
      const_cast<httplib::Request&>(req).ranges.clear();
      res.status = 200;
      res.set_content(*shared, "application/octet-stream");
      return;
    }
    res.set_content_provider(shared->size(), "application/octet-stream",
                             [this, shared, cut, log_index, sent = uint64_t(0)](size_t offset, size_t length, httplib::DataSink& sink) mutable {
                               const size_t n = std::min<size_t>({length, 65536, size_t(cut - std::min(cut, sent))});
                               if (n == 0) return false;  // cut: the connection closes midway
                               if (!sink.write(shared->data() + offset, n)) return false;
                               sent += n;
                               std::lock_guard<std::mutex> lock(mu_);
                               if (log_index < requests_.size()) requests_[log_index].bytes_sent = sent;
                               return true;
                             });
  };

  // GET/HEAD /{org}/{name}/resolve/{revision}/{path}
  server_->Get(R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))", [this, request_of, send_file](const httplib::Request& req, httplib::Response& res) {
    const size_t log_index = Log(request_of(req));
    const std::string id = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    const std::string revision = req.matches[3], path = req.matches[4];
    const File* f = nullptr;
    std::string commit;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = repos_.find(id);
      if (it == repos_.end()) return HubError(res, 404, "RepoNotFound", "Repository not found");
      const Repo& repo = it->second;
      if (revision != "main" && revision != repo.commit) return HubError(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
      if (repo.gated) {
        const std::string auth = req.get_header_value("Authorization");
        if (auth.empty()) return HubError(res, 401, "GatedRepo", "Access to model " + id + " is restricted. You must be authenticated.");
        if (auth != std::string("Bearer ") + kToken) return HubError(res, 403, "GatedRepo", "Access to model " + id + " is restricted.");
      }
      const auto file = repo.files.find(path);
      if (file == repo.files.end()) return HubError(res, 404, "EntryNotFound", "Entry not found");
      f = &file->second;
      commit = repo.commit;
    }
    res.set_header("X-Repo-Commit", commit);
    if (f->lfs) {
      res.set_header("ETag", "\"" + f->blob_id + "\"");
      res.set_header("X-Linked-Etag", "\"" + f->sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(f->content.size()));
      res.set_redirect("http://localhost:" + std::to_string(port_) + "/cdn/" + f->sha256, 302);
      return;
    }
    res.set_header("ETag", "\"" + f->blob_id + "\"");
    send_file(req, res, *f, log_index);
  });

  // The "CDN": LFS objects by sha256, on another host name.
  server_->Get(R"(/cdn/([0-9a-f]{64}))", [this, request_of, send_file](const httplib::Request& req, httplib::Response& res) {
    const size_t log_index = Log(request_of(req));
    const std::string sha = req.matches[1];
    const File* found = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [id, repo] : repos_) {
        for (const auto& [path, f] : repo.files) {
          if (f.sha256 == sha) found = &f;
        }
      }
    }
    if (found == nullptr) return HubError(res, 404, "EntryNotFound", "no such object");
    send_file(req, res, *found, log_index);
  });
}

}  // namespace gembed::hub::testing
