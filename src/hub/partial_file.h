// A download in progress: blobs/{etag}.incomplete, appended to, and kept when anything goes
// wrong so that the next attempt resumes where this one stopped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>

namespace gembed::hub {

class PartialFile {
 public:
  // Opens (creating) `path` for appending; size() is what an earlier attempt left.
  explicit PartialFile(const std::filesystem::path& path);
  ~PartialFile();
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  uint64_t size() const { return size_; }
  // Appends; a short write (disk full, quota, I/O error) throws HubError kDiskFull naming
  // the file and how much of it is safely kept.
  void Append(const char* data, size_t n);
  // Drops the contents (the server ignored our Range and sends the file from its start).
  void Truncate();
  // Flushes and closes; a late write error (ENOSPC at flush) throws like Append.
  void Close();

 private:
  [[noreturn]] void ThrowWriteError(int err) const;
  std::filesystem::path path_;
  FILE* file_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace gembed::hub
