#include "index/vector_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.h"

namespace gembed::index {

VectorStorage ParseStorage(std::string_view name) {
  if (name == "f32") return VectorStorage::kF32;
  if (name == "int8") return VectorStorage::kInt8;
  if (name == "binary") return VectorStorage::kBinary;
  throw Error("unknown vector storage \"" + std::string(name) + "\" (use f32, int8 or binary)");
}

std::string_view StorageName(VectorStorage s) {
  switch (s) {
    case VectorStorage::kF32: return "f32";
    case VectorStorage::kInt8: return "int8";
    case VectorStorage::kBinary: return "binary";
  }
  return "?";
}

size_t EncodedBytes(VectorStorage s, int dim) {
  switch (s) {
    case VectorStorage::kF32: return sizeof(float) * dim;
    case VectorStorage::kInt8: return sizeof(float) + dim;
    case VectorStorage::kBinary: return (dim + 7) / 8;
  }
  return 0;
}

std::string EncodeVector(VectorStorage s, std::span<const float> v) {
  const int dim = static_cast<int>(v.size());
  std::string out(EncodedBytes(s, dim), '\0');
  switch (s) {
    case VectorStorage::kF32:
      std::memcpy(out.data(), v.data(), out.size());
      break;
    case VectorStorage::kInt8: {
      float m = 0;
      for (float x : v) m = std::max(m, std::fabs(x));
      const float scale = m > 0 ? m / 127.0f : 1.0f;
      std::memcpy(out.data(), &scale, sizeof scale);
      for (int i = 0; i < dim; ++i) {
        const float q = std::clamp(std::nearbyint(v[i] / scale), -127.0f, 127.0f);
        out[sizeof scale + i] = static_cast<char>(static_cast<int8_t>(q));
      }
      break;
    }
    case VectorStorage::kBinary:
      for (int i = 0; i < dim; ++i) {
        if (v[i] > 0) out[i / 8] = static_cast<char>(static_cast<uint8_t>(out[i / 8]) | (0x80u >> (i % 8)));
      }
      break;
  }
  return out;
}

std::vector<float> DecodeVector(VectorStorage s, std::string_view bytes, int dim) {
  if (bytes.size() != EncodedBytes(s, dim)) {
    throw Error("stored vector has " + std::to_string(bytes.size()) + " bytes, expected " +
                std::to_string(EncodedBytes(s, dim)) + " (" + std::string(StorageName(s)) + " × " + std::to_string(dim) + ")");
  }
  std::vector<float> v(dim);
  switch (s) {
    case VectorStorage::kF32:
      std::memcpy(v.data(), bytes.data(), bytes.size());
      break;
    case VectorStorage::kInt8: {
      float scale;
      std::memcpy(&scale, bytes.data(), sizeof scale);
      for (int i = 0; i < dim; ++i) v[i] = static_cast<int8_t>(bytes[sizeof scale + i]) * scale;
      break;
    }
    case VectorStorage::kBinary: {
      const float a = 1.0f / std::sqrt(static_cast<float>(dim));
      for (int i = 0; i < dim; ++i) v[i] = (static_cast<uint8_t>(bytes[i / 8]) & (0x80u >> (i % 8))) ? a : -a;
      break;
    }
  }
  return v;
}

float ScoreEncoded(VectorStorage s, const float* q, const char* bytes, int dim) {
  switch (s) {
    case VectorStorage::kF32: {
      // Eight independent sums let the compiler vectorise without reassociating one sum.
      float acc[8] = {};
      int i = 0;
      for (; i + 8 <= dim; i += 8) {
        float x[8];
        std::memcpy(x, bytes + 4 * i, sizeof x);
        for (int j = 0; j < 8; ++j) acc[j] += q[i + j] * x[j];
      }
      float tail = 0;
      for (; i < dim; ++i) {
        float x;
        std::memcpy(&x, bytes + 4 * i, 4);
        tail += q[i] * x;
      }
      return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
    }
    case VectorStorage::kInt8: {
      float scale;
      std::memcpy(&scale, bytes, sizeof scale);
      const auto* d = reinterpret_cast<const int8_t*>(bytes + sizeof scale);
      float acc[8] = {};
      int i = 0;
      for (; i + 8 <= dim; i += 8) {
        for (int j = 0; j < 8; ++j) acc[j] += q[i + j] * d[i + j];
      }
      float tail = 0;
      for (; i < dim; ++i) tail += q[i] * d[i];
      return (((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail) * scale;
    }
    case VectorStorage::kBinary: {
      float acc = 0;
      for (int i = 0; i < dim; ++i) acc += (static_cast<uint8_t>(bytes[i / 8]) & (0x80u >> (i % 8))) ? q[i] : -q[i];
      return acc / std::sqrt(static_cast<float>(dim));
    }
  }
  return 0;
}

}  // namespace gembed::index
