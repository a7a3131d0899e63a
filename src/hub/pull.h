// `gembed pull`: downloads a model repository from the Hugging Face hub into the shared HF
// cache (hub_cache.h), verifying every file, resuming broken transfers, and falling back to
// the cache when the hub cannot be reached.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "hub/file_selection.h"
#include "hub/pull_progress.h"

namespace gembed::hub {

struct PullOptions {
  std::string reference;   // org/name[@revision]
  std::string token;       // --token; else HF_TOKEN, else $HF_HOME/token (hub_env.h)
  FileSelection files;     // which files (file_selection.h)
  int max_attempts = 5;    // tries per file when a transfer breaks off; each resumes
  PullProgress* progress = nullptr;  // null: silent
};

struct PullResult {
  std::filesystem::path snapshot;  // snapshots/{commit}
  std::string commit;
  bool from_cache = false;         // the hub was not asked (offline) or not reachable
  int files_downloaded = 0;
  int files_cached = 0;            // already present
  uint64_t bytes_downloaded = 0;
};

// Throws gembed::Error (HubError for network, HTTP, disk and integrity failures) with a
// message that says what to do.
PullResult Pull(const PullOptions& options);

}  // namespace gembed::hub
