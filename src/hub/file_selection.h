// Which files of a repository `gembed pull` downloads.
//
// Default: every file except formats gembed cannot read and that only make a download larger
// — ONNX, OpenVINO, Core ML, TensorFlow, Flax, Rust and PyTorch pickles:
//   onnx/*  openvino/*  coreml/*  *.onnx  *.onnx_data  *.bin  *.pt  *.pth  *.h5  *.msgpack
//   *.ot  *.tflite  *.mlmodel
// A repository that holds several GGUF files (one per quantisation) is an error listing
// them: pick one with --include. `include` globs replace the default (as huggingface-cli's
// --include does); `all` takes everything. Globs are fnmatch patterns on the repository
// path where '*' also crosses '/', as huggingface_hub's allow_patterns.
#pragma once

#include <string>
#include <vector>

namespace gembed::hub {

struct FileSelection {
  std::vector<std::string> include;  // --include GLOB…
  bool all = false;                  // --all
};

// The default exclusion globs above.
const std::vector<std::string>& DefaultExcludedGlobs();
bool GlobMatches(const std::string& glob, const std::string& path);

// The files of `repo_files` to download, in their given order; throws gembed::Error when an
// --include glob matches nothing, or when the default meets several GGUF files.
std::vector<std::string> SelectFiles(const std::vector<std::string>& repo_files, const FileSelection& selection);

}  // namespace gembed::hub
