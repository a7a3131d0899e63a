// Writes safetensors files (the layout safetensors.h reads): tests use it to build sharded
// and re-typed checkpoints; tools will use it to save converted weights.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gembed {

struct TensorToWrite {
  std::string name;
  std::string dtype;             // "F32", "BF16", "F16", …
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;    // little-endian elements, numel × dtype size
};

// Tensors are stored in the order given; throws gembed::Error if the file cannot be written.
void WriteSafeTensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace gembed
