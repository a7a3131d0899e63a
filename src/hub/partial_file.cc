#include "hub/partial_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hub/hub_error.h"
#include "hub/pull_progress.h"

namespace gembed::hub {

PartialFile::PartialFile(const std::filesystem::path& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) {
    const int err = errno;
    if (err == ENOSPC || err == EDQUOT) ThrowWriteError(err);
    throw Error("cannot write " + path.string() + ": " + std::strerror(err));
  }
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  size_ = ec ? 0 : n;
}

PartialFile::~PartialFile() {
  if (file_ != nullptr) std::fclose(file_);
}

void PartialFile::ThrowWriteError(int err) const {
  const bool full = err == ENOSPC || err == EDQUOT || err == EFBIG;
  const std::string what = full ? "disk full" : std::string("write error: ") + std::strerror(err);
  throw HubError(HubError::Kind::kDiskFull, what + " while writing " + path_.string() + " (" + HumanSize(size_) +
                                                " kept; free some space and run `gembed pull` again to resume)");
}

void PartialFile::Append(const char* data, size_t n) {
  const size_t written = std::fwrite(data, 1, n, file_);
  if (written != n) {
    const int err = errno;
    size_ += written;
    ThrowWriteError(err);
  }
  size_ += n;
}

void PartialFile::Truncate() {
  std::fflush(file_);
  if (::ftruncate(::fileno(file_), 0) != 0) ThrowWriteError(errno);
  std::rewind(file_);
  size_ = 0;
}

void PartialFile::Close() {
  FILE* f = file_;
  file_ = nullptr;
  if (std::fflush(f) != 0) {
    const int err = errno;
    std::fclose(f);
    ThrowWriteError(err);
  }
  if (std::fclose(f) != 0) ThrowWriteError(errno);
}

}  // namespace gembed::hub
