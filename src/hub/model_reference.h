// What `--model` accepts everywhere (CLI, server, Python): a path, or a Hugging Face model id
// found in the local HF cache — whichever tool downloaded it (gembed pull, huggingface_hub,
// sentence-transformers). Never touches the network.
#pragma once

#include <string>

namespace gembed::hub {

// - an existing file or folder: returned unchanged;
// - "org/name" or "org/name@revision" (branch, tag or commit): the cached snapshot folder
//   (refs/{revision} → snapshots/{commit}); when that folder holds one GGUF file and no
//   config.json, the GGUF file;
// - anything else: returned unchanged, for the loader to report the missing path.
// A model id that is not cached throws gembed::Error saying to run `gembed pull org/name`.
std::string ResolveModelReference(const std::string& ref);

// The model in a snapshot folder: the folder, or its GGUF file when it holds exactly one and
// no config.json / modules.json (what `gembed pull` prints).
std::string ModelPathInSnapshot(const std::string& snapshot_dir);

}  // namespace gembed::hub
