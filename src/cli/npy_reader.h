// Reads a 2-D float matrix from a NumPy .npy file: the calibration embeddings of
// `gembed embed --precision int8 --calibration FILE.npy` (for instance the output of an
// earlier `gembed embed --format npy` on a sample of the corpus).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gembed::cli {

struct FloatMatrix {
  size_t rows = 0, cols = 0;
  std::vector<float> data;  // rows × cols, row-major
};

// Accepts .npy versions 1–3, dtype little-endian float32 ('<f4') or float64 ('<f8', converted),
// C order, 2-D. Throws gembed::Error "<path>: <what is wrong>" otherwise.
FloatMatrix ReadNpyFloatMatrix(const std::string& path);

}  // namespace gembed::cli
