#include "hub/hub_cache.h"

#include <fstream>
#include <system_error>

#include "base/error.h"
#include "hub/repo_ref.h"

namespace gembed::hub {
namespace fs = std::filesystem;

std::string RepoFolderName(const std::string& repo_id) {
  std::string name = "models--";
  for (char c : repo_id) {
    if (c == '/') {
      name += "--";
    } else {
      name += c;
    }
  }
  return name;
}

RepoCache::RepoCache(const fs::path& cache_dir, const std::string& repo_id)
    : root_(cache_dir / RepoFolderName(repo_id)), locks_(cache_dir / ".locks" / RepoFolderName(repo_id)) {}

fs::path RepoCache::BlobPath(const std::string& etag) const { return root_ / "blobs" / etag; }
fs::path RepoCache::IncompletePath(const std::string& etag) const { return root_ / "blobs" / (etag + ".incomplete"); }
fs::path RepoCache::SnapshotDir(const std::string& commit) const { return root_ / "snapshots" / commit; }
fs::path RepoCache::RefPath(const std::string& revision) const { return root_ / "refs" / revision; }
fs::path RepoCache::LockPath(const std::string& etag) const { return locks_ / (etag + ".lock"); }

std::optional<std::string> RepoCache::ResolveRevision(const std::string& revision) const {
  if (IsCommitHash(revision)) return revision;
  std::ifstream in(RefPath(revision));
  std::string commit;
  if (!in || !(in >> commit) || !IsCommitHash(commit)) return std::nullopt;
  return commit;
}

std::optional<fs::path> RepoCache::FindSnapshot(const std::string& revision) const {
  const auto commit = ResolveRevision(revision);
  if (!commit) return std::nullopt;
  std::error_code ec;
  const fs::path dir = SnapshotDir(*commit);
  if (!fs::is_directory(dir, ec) || fs::is_empty(dir, ec)) return std::nullopt;
  return dir;
}

void RepoCache::WriteRef(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  const fs::path path = RefPath(revision);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  // Written beside and renamed, so a reader never sees half a hash.
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << commit;  // no newline, as huggingface_hub writes it
    if (!out.flush()) throw Error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path, ec);
  if (ec) throw Error("cannot write " + path.string() + ": " + ec.message());
}

void RepoCache::LinkSnapshotFile(const std::string& commit, const std::string& path, const std::string& etag) const {
  const fs::path link = SnapshotDir(commit) / path;
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  if (ec) throw Error("cannot create " + link.parent_path().string() + ": " + ec.message());
  // Relative, like huggingface_hub's, so the cache can be moved or mounted elsewhere.
  const fs::path target = BlobPath(etag).lexically_relative(link.parent_path());
  fs::remove(link, ec);
  fs::create_symlink(target, link, ec);
  if (ec) throw Error("cannot link " + link.string() + " → " + target.string() + ": " + ec.message());
}

std::optional<std::string> RepoCache::LinkedEtag(const std::string& commit, const std::string& path) const {
  std::error_code ec;
  const fs::path link = SnapshotDir(commit) / path;
  if (!fs::is_symlink(link, ec)) return std::nullopt;
  const fs::path target = fs::read_symlink(link, ec);
  if (ec || !fs::is_regular_file(link, ec)) return std::nullopt;  // dangling: the blob is gone
  const fs::path resolved = (link.parent_path() / target).lexically_normal();
  if (resolved.parent_path() != (root_ / "blobs").lexically_normal()) return std::nullopt;
  return resolved.filename().string();
}

}  // namespace gembed::hub
