// How a collection stores its vectors, and how a query scores against stored bytes.
//
//   f32     dim floats (little-endian, as the machine holds them): exact.
//   int8    a float scale, then dim int8: q = round(x · 127 / max|x|), x ≈ q · scale with
//           scale = max|x| / 127. Per-vector scale (rather than the fixed per-dimension
//           ranges of embedder/output_quantization.h) because a collection grows one
//           document at a time: no calibration set is needed and adding a document never
//           changes how the others were quantised. Scores stay within ~1e-2 of f32.
//   binary  dim sign bits (x > 0), packed 8 to a byte, most significant bit first. The
//           stored vector stands for s/√dim with s ∈ {−1, +1}^dim (a unit vector), so the
//           score is the cosine between the f32 query and that sign vector: approximate,
//           a ranking signal rather than a similarity value (documented in collections.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::index {

enum class VectorStorage { kF32, kInt8, kBinary };

// "f32", "int8", "binary"; throws gembed::Error naming the valid values otherwise.
VectorStorage ParseStorage(std::string_view name);
std::string_view StorageName(VectorStorage s);

size_t EncodedBytes(VectorStorage s, int dim);
std::string EncodeVector(VectorStorage s, std::span<const float> v);
// Back to dim floats (int8: q · scale; binary: ±1/√dim). For the ANN index.
std::vector<float> DecodeVector(VectorStorage s, std::string_view bytes, int dim);
// Dot product of the f32 query with a stored vector, as described above.
float ScoreEncoded(VectorStorage s, const float* query, const char* bytes, int dim);

}  // namespace gembed::index
