// gembed::Error — the one exception type every layer throws for bad input or bad files.
// The message always names *what* is wrong and *where* (file, tensor, byte offset, input
// index), so that a user can fix the input without reading our code.
#pragma once

#include <stdexcept>
#include <cstddef>
#include <string>

namespace gembed {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// An error in one input of a batch: what() is "input <index>: <detail>", and callers that
// know inputs by another name (a line of a file, an item of a request) use index/detail.
class InputError : public Error {
 public:
  InputError(size_t index, const std::string& detail)
      : Error("input " + std::to_string(index) + ": " + detail), index_(index), detail_(detail) {}
  size_t index() const { return index_; }
  const std::string& detail() const { return detail_; }

 private:
  size_t index_;
  std::string detail_;
};

}  // namespace gembed
