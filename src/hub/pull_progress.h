// What `gembed pull` tells the user while it works: a redrawn bar on a terminal, plain lines
// (one per file, and one every few seconds for a long file) in logs and pipes.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace gembed::hub {

class PullProgress {
 public:
  virtual ~PullProgress() = default;
  // A message that is not about one file's bytes (e.g. "offline: using the cache").
  virtual void Notice(const std::string& message) = 0;
  // File `index` of `count` starts; `size` bytes in all, `resumed_from` already on disk.
  virtual void FileStart(const std::string& path, int index, int count, uint64_t size, uint64_t resumed_from) = 0;
  virtual void FileProgress(uint64_t bytes_on_disk) = 0;
  // `downloaded` false: the file was already in the cache.
  virtual void FileDone(bool downloaded) = 0;
};

// Reports nothing (--quiet).
std::unique_ptr<PullProgress> MakeSilentProgress();
// Plain lines to `out`: each file's start and end, and its percentage every `interval`.
std::unique_ptr<PullProgress> MakeLineProgress(FILE* out, std::chrono::milliseconds interval = std::chrono::seconds(5));
// One line redrawn in place (carriage return) with a bar, bytes and speed.
std::unique_ptr<PullProgress> MakeBarProgress(FILE* out);
// The bar when stderr is a terminal, lines otherwise; nothing when `quiet`.
std::unique_ptr<PullProgress> MakeStderrProgress(bool quiet);

// "1.5 MB", "17.0 kB", "12 B" (SI units, as the hub's pages show sizes).
std::string HumanSize(uint64_t bytes);

}  // namespace gembed::hub
