// One model repository in the Hugging Face cache, laid out exactly as huggingface_hub lays it
// out, so that files either tool downloaded are found by the other:
//   {cache}/models--{org}--{name}/
//     blobs/{etag}                  file contents, named by the hub's ETag (sha256 of LFS
//                                   files, git blob sha1 of small ones)
//     blobs/{etag}.incomplete       a download in progress (resumed with an HTTP Range)
//     snapshots/{commit}/{path}     relative symlinks to ../../blobs/{etag}
//     refs/{revision}               the commit a branch or tag pointed at when last pulled
//   {cache}/.locks/models--{org}--{name}/{etag}.lock   held while that blob downloads
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace gembed::hub {

// "models--org--name": the folder name huggingface_hub gives a model repository.
std::string RepoFolderName(const std::string& repo_id);

class RepoCache {
 public:
  RepoCache(const std::filesystem::path& cache_dir, const std::string& repo_id);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path BlobPath(const std::string& etag) const;
  std::filesystem::path IncompletePath(const std::string& etag) const;
  std::filesystem::path SnapshotDir(const std::string& commit) const;
  std::filesystem::path RefPath(const std::string& revision) const;
  // {cache}/.locks/models--org--name/{etag}.lock, huggingface_hub's lock for that blob.
  std::filesystem::path LockPath(const std::string& etag) const;

  // The commit `revision` names: itself when it is a commit hash, else refs/{revision}.
  std::optional<std::string> ResolveRevision(const std::string& revision) const;
  // The snapshot folder of `revision` when it is in the cache (no network).
  std::optional<std::filesystem::path> FindSnapshot(const std::string& revision) const;

  // Records that `revision` (a branch or tag) points at `commit` (nothing for a commit hash).
  void WriteRef(const std::string& revision, const std::string& commit) const;
  // Makes snapshots/{commit}/{path} a relative symlink to blobs/{etag}, replacing what was there.
  void LinkSnapshotFile(const std::string& commit, const std::string& path, const std::string& etag) const;
  // The blob snapshots/{commit}/{path} links to, when it is such a link and the blob exists.
  std::optional<std::string> LinkedEtag(const std::string& commit, const std::string& path) const;

 private:
  std::filesystem::path root_;
  std::filesystem::path locks_;
};

}  // namespace gembed::hub
