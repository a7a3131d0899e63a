// An exclusive lock on one blob while it downloads, so two pulls (gembed's or Python's) never
// append to the same .incomplete file. The lock file is where huggingface_hub keeps its own
// ({cache}/.locks/models--org--name/{etag}.lock) and both take it with flock(2), so the
// tools also wait for each other.
#pragma once

#include <filesystem>
#include <functional>

namespace gembed::hub {

class BlobLock {
 public:
  // Blocks until the lock is held; `on_wait` is called first when another process has it.
  BlobLock(const std::filesystem::path& lock_path, const std::function<void()>& on_wait);
  ~BlobLock();
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace gembed::hub
