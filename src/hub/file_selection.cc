#include "hub/file_selection.h"

#include <fnmatch.h>

#include "base/error.h"

namespace gembed::hub {

const std::vector<std::string>& DefaultExcludedGlobs() {
  static const std::vector<std::string> globs = {"onnx/*", "openvino/*", "coreml/*", "*.onnx", "*.onnx_data", "*.bin", "*.pt",
                                                 "*.pth",  "*.h5",       "*.msgpack", "*.ot",  "*.tflite",     "*.mlmodel"};
  return globs;
}

bool GlobMatches(const std::string& glob, const std::string& path) {
  return ::fnmatch(glob.c_str(), path.c_str(), 0) == 0;  // no FNM_PATHNAME: '*' crosses '/'
}

namespace {
bool AnyMatches(const std::vector<std::string>& globs, const std::string& path) {
  for (const auto& g : globs) {
    if (GlobMatches(g, path)) return true;
  }
  return false;
}
bool IsGguf(const std::string& path) { return path.size() > 5 && path.compare(path.size() - 5, 5, ".gguf") == 0; }
}  // namespace

std::vector<std::string> SelectFiles(const std::vector<std::string>& repo_files, const FileSelection& selection) {
  if (selection.all) return repo_files;
  std::vector<std::string> chosen;
  if (!selection.include.empty()) {
    for (const auto& glob : selection.include) {
      bool matched = false;
      for (const auto& f : repo_files) matched = matched || GlobMatches(glob, f);
      if (!matched) throw Error("--include '" + glob + "' matches no file of the repository");
    }
    for (const auto& f : repo_files) {
      if (AnyMatches(selection.include, f)) chosen.push_back(f);
    }
    return chosen;
  }
  std::vector<std::string> ggufs;
  for (const auto& f : repo_files) {
    if (AnyMatches(DefaultExcludedGlobs(), f)) continue;
    if (IsGguf(f)) ggufs.push_back(f);
    chosen.push_back(f);
  }
  if (ggufs.size() > 1) {
    std::string list;
    for (const auto& g : ggufs) list += "\n  " + g;
    throw Error("the repository holds " + std::to_string(ggufs.size()) + " GGUF files; choose one with --include FILE (or take all with --all):" + list);
  }
  return chosen;
}

}  // namespace gembed::hub
