#include "io/tensor.h"

#include <cstring>

#include "base/error.h"
#include "kernels/convert.h"
#include "kernels/quant.h"

namespace gembed {

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kQ8_0: return "Q8_0";
    case DType::kQ4_0: return "Q4_0";
    case DType::kQ6_K: return "Q6_K";
    default: return "other";
  }
}

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF32: return 4;
    case DType::kF16:
    case DType::kBF16: return 2;
    default: return 0;
  }
}

size_t DTypeBlock(DType t) {
  switch (t) {
    case DType::kQ8_0: return kQ8Block;
    case DType::kQ4_0: return kQ4Block;
    case DType::kQ6_K: return kQKBlock;
    default: return 1;
  }
}

size_t DTypeBytes(DType t, size_t n) {
  switch (t) {
    case DType::kQ8_0: return n / kQ8Block * sizeof(BlockQ8_0);
    case DType::kQ4_0: return n / kQ4Block * sizeof(BlockQ4_0);
    case DType::kQ6_K: return n / kQKBlock * sizeof(BlockQ6_K);
    default: return n * DTypeSize(t);
  }
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string TensorView::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

static void ConvertSpan(const TensorView& t, const uint8_t* src, size_t n, float* dst) {
  switch (t.dtype) {
    case DType::kF32: std::memcpy(dst, src, n * 4); return;
    case DType::kBF16: Bf16ToF32(src, n, dst); return;
    case DType::kF16: F16ToF32(src, n, dst); return;
    case DType::kQ8_0: DequantizeRowQ8_0(reinterpret_cast<const BlockQ8_0*>(src), n, dst); return;
    case DType::kQ4_0: DequantizeRowQ4_0(reinterpret_cast<const BlockQ4_0*>(src), n, dst); return;
    case DType::kQ6_K: DequantizeRowQ6_K(reinterpret_cast<const BlockQ6_K*>(src), n, dst); return;
    default:
      throw Error("tensor " + t.name + " in " + t.file + " has dtype " + t.dtype_name +
                  "; expected F32, BF16 or F16");
  }
}

std::vector<float> ToF32(const TensorView& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  ConvertSpan(t, t.data, out.size(), out.data());
  return out;
}

void RowsToF32(const TensorView& t, int64_t row, int64_t count, float* dst) {
  const int64_t cols = t.shape.size() == 2 ? t.shape[1] : 0;
  const size_t row_bytes = DTypeBytes(t.dtype, static_cast<size_t>(cols));
  ConvertSpan(t, t.data + static_cast<size_t>(row) * row_bytes, static_cast<size_t>(count * cols), dst);
}

}  // namespace gembed
