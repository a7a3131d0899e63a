// A read-only memory map of a whole file. Weights are mapped, not read, so a 600 MB
// checkpoint costs only the pages that are touched (the embedding table is mostly cold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gembed {

class MappedFile {
 public:
  // Throws gembed::Error naming the path if it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Tells the kernel that the whole pages inside [p, p + n) of a read-only file mapping will
// not be read again (weights already copied into packed form), so they stop counting in
// the process's resident memory. Reading them later is still valid: they fault back in.
void ReleaseMappedPages(const void* p, size_t n);

// Reads a whole (small) text file; throws gembed::Error naming the path.
std::string ReadTextFile(const std::string& path);
bool FileExists(const std::string& path);

}  // namespace gembed
