// A typed, shaped view of tensor bytes living in a mapped file. No ownership.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gembed {

// Element types of weights. The block-quantised ones (GGML layouts, kernels/quant.h) come
// from GGUF files; a row of them is whole blocks.
enum class DType { kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ6_K, kOther };

const char* DTypeName(DType t);
size_t DTypeSize(DType t);   // bytes per element of the plain types; 0 for block types and kOther
size_t DTypeBlock(DType t);  // elements per block: 1 for plain types, 32 or 256 for block types
// Bytes of n elements (n a multiple of DTypeBlock); 0 for kOther.
size_t DTypeBytes(DType t, size_t n);

struct TensorView {
  std::string name;
  DType dtype = DType::kOther;
  std::string dtype_name;        // as written in the file ("F32", "I64", …)
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // little-endian elements
  size_t nbytes = 0;
  std::string file;               // where it came from, for error messages
  // The bytes lie in a read-only file mapping, so ReleaseMappedPages may drop them from
  // memory after use (never true for heap memory: dropping that would zero it).
  bool mapped = false;

  int64_t numel() const;
  std::string ShapeString() const;  // "[768, 3072]"
};

// Copies the tensor into f32 (widening bf16/f16 exactly, dequantising block types). Throws
// for other dtypes.
std::vector<float> ToF32(const TensorView& t);
// Converts rows [row, row+count) of a 2-D tensor into dst[count * cols].
void RowsToF32(const TensorView& t, int64_t row, int64_t count, float* dst);

}  // namespace gembed
