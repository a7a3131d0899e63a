// gembed::Error — the one exception type every layer throws for bad input or bad files.
// The message always names *what* is wrong and *where* (file, tensor, byte offset, input
// index), so that a user can fix the input without reading our code.
#pragma once

#include <stdexcept>
#include <string>

namespace gembed {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace gembed
