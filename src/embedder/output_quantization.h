// Embedding output quantisation, as sentence-transformers' `quantize_embeddings` defines it,
// shared by the CLI (`embed --precision`), the HTTP server and the Python bindings:
//
//   int8 / uint8   per-dimension ranges [min, max] (from calibration embeddings, or from the
//                  embeddings being quantised when none are given); step = (max − min) / 255;
//                  uint8 = trunc((x − min) / step), int8 = trunc((x − min) / step − 128)
//   binary         1 bit per dimension (x > 0), packed 8 to a byte, most significant bit
//                  first (numpy.packbits), stored as int8: byte − 128
//   ubinary        the same bytes as uint8
//
// Differences from numpy, on purpose: values outside the ranges are clamped instead of
// wrapping; a dimension whose range is empty (min == max) quantises to the bottom of the
// range instead of NaN; bits are packed per row (numpy packs the flattened matrix, which only
// differs when the dimension is not a multiple of 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gembed {

enum class Precision { kFloat32, kInt8, kUint8, kBinary, kUbinary };

// "float32", "int8", "uint8", "binary", "ubinary"; throws gembed::Error listing the valid
// names for anything else.
Precision ParsePrecision(std::string_view name);
std::string_view PrecisionName(Precision p);

// Bytes one quantised row of `dim` values takes (float32: 4·dim).
size_t QuantizedRowBytes(size_t dim, Precision p);

// Per-dimension ranges for int8/uint8: min and max of each column of `rows` × `dim` floats.
struct QuantizationRanges {
  std::vector<float> min, max;  // dim each
};
QuantizationRanges RangesFrom(const float* embeddings, size_t rows, size_t dim);

// Quantises `rows` × `dim` floats (row-major) into rows × QuantizedRowBytes(dim, p) bytes.
// `ranges` is used by int8/uint8 only; null means RangesFrom(embeddings) (fine for a large
// batch; poor for a few rows — pass calibration ranges then). Throws gembed::Error when the
// ranges' size is not `dim`.
std::vector<uint8_t> QuantizeEmbeddings(const float* embeddings, size_t rows, size_t dim, Precision p,
                                        const QuantizationRanges* ranges = nullptr);

}  // namespace gembed
