#include "embedder/output_quantization.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.h"

namespace gembed {

Precision ParsePrecision(std::string_view name) {
  if (name == "float32") return Precision::kFloat32;
  if (name == "int8") return Precision::kInt8;
  if (name == "uint8") return Precision::kUint8;
  if (name == "binary") return Precision::kBinary;
  if (name == "ubinary") return Precision::kUbinary;
  throw Error("unknown precision '" + std::string(name) + "' (expected float32, int8, uint8, binary or ubinary)");
}

std::string_view PrecisionName(Precision p) {
  switch (p) {
    case Precision::kFloat32: return "float32";
    case Precision::kInt8: return "int8";
    case Precision::kUint8: return "uint8";
    case Precision::kBinary: return "binary";
    case Precision::kUbinary: return "ubinary";
  }
  return "?";
}

size_t QuantizedRowBytes(size_t dim, Precision p) {
  switch (p) {
    case Precision::kFloat32: return dim * sizeof(float);
    case Precision::kInt8:
    case Precision::kUint8: return dim;
    case Precision::kBinary:
    case Precision::kUbinary: return (dim + 7) / 8;
  }
  return 0;
}

QuantizationRanges RangesFrom(const float* embeddings, size_t rows, size_t dim) {
  QuantizationRanges r;
  // Start from the first row (each dimension its own value), or zeros when there is none.
  if (rows) {
    r.min.assign(embeddings, embeddings + dim);
    r.max.assign(embeddings, embeddings + dim);
  } else {
    r.min.assign(dim, 0.0f);
    r.max.assign(dim, 0.0f);
  }
  for (size_t i = 1; i < rows; ++i) {
    const float* row = embeddings + i * dim;
    for (size_t d = 0; d < dim; ++d) {
      r.min[d] = std::min(r.min[d], row[d]);
      r.max[d] = std::max(r.max[d], row[d]);
    }
  }
  return r;
}

namespace {

// uint8 level of x in [lo, hi] split into 255 steps; `offset` is 128 for int8 (numpy
// subtracts before the truncating cast, so int8 truncates towards zero around 128).
int QuantizeLevel(float x, float lo, float hi, int offset) {
  const float step = (hi - lo) / 255.0f;
  if (!(step > 0)) return -offset;  // empty range (or NaN): the bottom of the range
  const float level = std::trunc((x - lo) / step - float(offset));
  return int(std::clamp(level, float(-offset), float(255 - offset)));
}

}  // namespace

std::vector<uint8_t> QuantizeEmbeddings(const float* embeddings, size_t rows, size_t dim, Precision p,
                                        const QuantizationRanges* ranges) {
  const size_t row_bytes = QuantizedRowBytes(dim, p);
  std::vector<uint8_t> out(rows * row_bytes, 0);
  if (p == Precision::kFloat32) {
    if (rows) std::memcpy(out.data(), embeddings, out.size());
    return out;
  }
  if (p == Precision::kInt8 || p == Precision::kUint8) {
    QuantizationRanges own;
    if (!ranges) {
      own = RangesFrom(embeddings, rows, dim);
      ranges = &own;
    }
    if (ranges->min.size() != dim || ranges->max.size() != dim)
      throw Error("quantisation ranges have " + std::to_string(ranges->min.size()) + "/" +
                  std::to_string(ranges->max.size()) + " values, expected " + std::to_string(dim) + " (one per dimension)");
    const int offset = p == Precision::kInt8 ? 128 : 0;
    for (size_t i = 0; i < rows; ++i)
      for (size_t d = 0; d < dim; ++d)
        out[i * row_bytes + d] = uint8_t(QuantizeLevel(embeddings[i * dim + d], ranges->min[d], ranges->max[d], offset));
    return out;
  }
  const int shift = p == Precision::kBinary ? 128 : 0;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t byte = 0; byte < row_bytes; ++byte) {
      int bits = 0;
      for (size_t b = 0; b < 8; ++b) {
        const size_t d = byte * 8 + b;
        bits = (bits << 1) | (d < dim && embeddings[i * dim + d] > 0.0f ? 1 : 0);
      }
      out[i * row_bytes + byte] = uint8_t(bits - shift);  // int8 bit pattern of bits − 128
    }
  }
  return out;
}

}  // namespace gembed
