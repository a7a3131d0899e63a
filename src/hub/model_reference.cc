#include "hub/model_reference.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "base/error.h"
#include "hub/hub_cache.h"
#include "hub/hub_env.h"
#include "hub/repo_ref.h"

namespace gembed::hub {
namespace fs = std::filesystem;
namespace {

// A snapshot of a GGUF repository (pulled with --include one.gguf) is used as that file:
// the loader takes a GGUF file, not a folder of them.
std::vector<fs::path> GgufFiles(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> ggufs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".gguf") ggufs.push_back(e.path());
  }
  std::sort(ggufs.begin(), ggufs.end());
  return ggufs;
}

bool IsModelFolder(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "config.json", ec) || fs::exists(dir / "modules.json", ec);
}

std::string ModelInSnapshot(const fs::path& dir) {
  if (IsModelFolder(dir)) return dir.string();
  const std::vector<fs::path> ggufs = GgufFiles(dir);
  if (ggufs.size() == 1) return ggufs[0].string();
  if (ggufs.size() > 1) {
    std::string list;
    for (const auto& g : ggufs) list += "\n  " + g.string();
    throw Error("the cached snapshot " + dir.string() + " holds several GGUF files; pass one of them as --model:" + list);
  }
  return dir.string();
}

}  // namespace

std::string ResolveModelReference(const std::string& ref) {
  std::error_code ec;
  if (ref.empty() || fs::exists(ref, ec)) return ref;
  const auto repo = ParseRepoRef(ref);
  if (!repo) return ref;
  const fs::path cache_dir = HubCacheDir();
  const RepoCache cache(cache_dir, repo->repo_id);
  if (const auto snapshot = cache.FindSnapshot(repo->revision)) return ModelInSnapshot(*snapshot);
  throw Error("'" + ref + "' is neither a file or folder nor a model in the Hugging Face cache (" + cache_dir.string() +
              "): run `gembed pull " + ref + "` to download it");
}

}  // namespace gembed::hub

namespace gembed::hub {

std::string ModelPathInSnapshot(const std::string& snapshot_dir) {
  if (IsModelFolder(snapshot_dir)) return snapshot_dir;
  const auto ggufs = GgufFiles(snapshot_dir);
  return ggufs.size() == 1 ? ggufs[0].string() : snapshot_dir;
}

}  // namespace gembed::hub
