// Test helper: GGUF bytes laid out by hand, one field at a time, so that tests can write
// exactly the (possibly broken) file they mean, independently of GgufWriter.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::testing {

class GgufBytes {
 public:
  GgufBytes& U8(uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  GgufBytes& U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  GgufBytes& U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  GgufBytes& F32(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return U32(bits);
  }
  GgufBytes& Str(std::string_view s) {
    U64(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  GgufBytes& Raw(std::string_view s) {
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  // "GGUF", version, tensor count, metadata count.
  GgufBytes& Header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    return Raw("GGUF").U32(version).U64(n_tensors).U64(n_kv);
  }
  // A metadata entry's key and type; the value follows.
  GgufBytes& Key(std::string_view key, uint32_t type) { return Str(key).U32(type); }
  // A tensor info: name, dims (GGUF order), GGML type id, offset.
  GgufBytes& TensorInfo(std::string_view name, const std::vector<uint64_t>& ne, uint32_t type,
                        uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) U64(d);
    return U32(type).U64(offset);
  }
  GgufBytes& PadTo(size_t alignment, uint8_t fill = 0) {
    while (bytes.size() % alignment != 0) bytes.push_back(fill);
    return *this;
  }
  GgufBytes& Fill(size_t n, uint8_t v) {
    bytes.insert(bytes.end(), n, v);
    return *this;
  }

  std::vector<uint8_t> bytes;
};

}  // namespace gembed::testing
