// Writes GGUF v3 files (io/gguf_format.h) that llama.cpp, Ollama and io/gguf_file.h read:
// metadata in the order it was set, tensors in the order they were added, each tensor's
// data at a multiple of 32 bytes. The caller supplies tensor bytes already in the GGML
// type's layout (f32/f16/bf16 elements, or Q8_0/Q4_0/… blocks from kernels/quant.h).
//
// Write() goes to PATH.tmp and renames it over PATH, so a failed or interrupted write never
// leaves a truncated file under the final name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "io/ggml_types.h"
#include "io/gguf_format.h"

namespace gembed {

class GgufWriter {
 public:
  // Metadata. A key set twice is an error (gembed::Error naming it).
  void SetU8(std::string_view key, uint8_t v);
  void SetI8(std::string_view key, int8_t v);
  void SetU16(std::string_view key, uint16_t v);
  void SetI16(std::string_view key, int16_t v);
  void SetU32(std::string_view key, uint32_t v);
  void SetI32(std::string_view key, int32_t v);
  void SetU64(std::string_view key, uint64_t v);
  void SetI64(std::string_view key, int64_t v);
  void SetF32(std::string_view key, float v);
  void SetF64(std::string_view key, double v);
  void SetBool(std::string_view key, bool v);
  void SetString(std::string_view key, std::string_view v);
  // An array of a fixed-size element type: `count` little-endian values at `data`
  // (bools one byte each, 0 or 1).
  void SetArray(std::string_view key, GgufType elem, const void* data, size_t count);
  void SetStringArray(std::string_view key, const std::vector<std::string>& v);
  void SetStringArray(std::string_view key, const std::vector<std::string_view>& v);
  void SetI32Array(std::string_view key, const std::vector<int32_t>& v);
  void SetF32Array(std::string_view key, const std::vector<float>& v);
  void SetBoolArray(std::string_view key, const std::vector<bool>& v);
  bool Has(std::string_view key) const { return keys_.count(std::string(key)) != 0; }

  // Tensors. `shape` is in torch order ([rows, cols]; the file stores it reversed) with
  // 1–4 positive dimensions, the last a multiple of the type's block size; `bytes` must
  // hold exactly the tensor. Names must be unique and at most 63 bytes (llama.cpp's limit).
  void AddTensor(std::string name, GgmlType type, std::vector<int64_t> shape, std::vector<uint8_t> bytes);
  // The same without a copy: `data` must stay valid until Write/ToBytes return.
  void AddTensorView(std::string name, GgmlType type, std::vector<int64_t> shape, const uint8_t* data,
                     size_t nbytes);

  // The whole file, for tests and small files.
  std::vector<uint8_t> ToBytes() const;
  // Writes PATH.tmp, then renames it to PATH; throws gembed::Error naming the path.
  void Write(const std::string& path) const;

  class Sink;  // where the bytes go (a vector or a file); defined in gguf_writer.cc

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;  // GGUF order
    std::vector<uint8_t> owned;
    const uint8_t* data;
    size_t nbytes;
  };
  void AddKv(std::string_view key, GgufType type, std::string value);
  void Emit(Sink& sink) const;

  std::string kv_bytes_;  // encoded entries, back to back
  size_t kv_count_ = 0;
  std::set<std::string> keys_;
  std::vector<Tensor> tensors_;
  std::set<std::string> tensor_names_;
};

}  // namespace gembed
