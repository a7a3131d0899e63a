// A typed, shaped view of tensor bytes living in a mapped file. No ownership.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gembed {

enum class DType { kF32, kF16, kBF16, kOther };

const char* DTypeName(DType t);
size_t DTypeSize(DType t);  // 0 for kOther

struct TensorView {
  std::string name;
  DType dtype = DType::kOther;
  std::string dtype_name;        // as written in the file ("F32", "I64", …)
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // little-endian elements
  size_t nbytes = 0;
  std::string file;               // where it came from, for error messages

  int64_t numel() const;
  std::string ShapeString() const;  // "[768, 3072]"
};

// Copies the tensor into f32 (widening bf16/f16 exactly). Throws for other dtypes.
std::vector<float> ToF32(const TensorView& t);
// Converts rows [row, row+count) of a 2-D tensor into dst[count * cols].
void RowsToF32(const TensorView& t, int64_t row, int64_t count, float* dst);

}  // namespace gembed
