// Reader for GGUF files (v2 and v3, little-endian), the format of llama.cpp and Ollama.
// See io/gguf_format.h for the layout.
//
// The file is memory-mapped and every claim it makes is checked before anything is handed
// out: magic and version, counts against the bytes that could hold them, every string and
// array inside the file, value types, bools 0/1, unique keys and tensor names, 1–4 positive
// dimensions whose product does not overflow, known GGML types with rows that are whole
// blocks, offsets aligned, inside the data section and not overlapping. A bad file is
// refused with gembed::Error "<path>: <what is wrong>" (naming the key or tensor and,
// where it helps, the byte offset), never with a crash.
//
// Metadata values are views into the mapping: strings and arrays are decoded on request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "io/ggml_types.h"
#include "io/gguf_format.h"
#include "io/tensor.h"

namespace gembed {

class MappedFile;

// One metadata entry. `data` points into the file: a scalar's bytes; a string's bytes
// (without the length); an array's first element (strings keep their length prefixes).
struct GgufKv {
  std::string key;
  GgufType type = GgufType::kU8;
  GgufType elem_type = GgufType::kU8;  // arrays only
  uint64_t count = 0;                  // arrays: element count; strings: byte length
  const uint8_t* data = nullptr;
  size_t nbytes = 0;                   // bytes at `data`
  uint64_t file_offset = 0;            // where the entry starts, for messages
};

struct GgufTensor {
  std::string name;
  const GgmlTypeInfo* type = nullptr;
  std::vector<int64_t> ne;     // GGUF order: ne[0] is the row length (innermost)
  std::vector<int64_t> shape;  // torch order (ne reversed): [rows, cols] for a matrix
  uint64_t offset = 0;         // from the start of the data section
  const uint8_t* data = nullptr;
  size_t nbytes = 0;

  GgmlType ggml_type() const { return type->type; }
  int64_t numel() const;
  int64_t row_length() const { return ne[0]; }
  int64_t rows() const { return numel() / ne[0]; }
  std::string ShapeString() const;  // torch order, "[768, 3072]"
};

class GgufFile {
 public:
  // Maps and validates `path`; throws gembed::Error naming it.
  explicit GgufFile(const std::string& path);
  // Validates bytes held in memory (tests, fuzzing); `name` stands for the path in messages.
  static std::unique_ptr<GgufFile> FromBytes(std::vector<uint8_t> bytes, const std::string& name);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the data section

  // Metadata in file order, and lookup by key (nullptr when absent).
  const std::vector<GgufKv>& kvs() const { return kvs_; }
  const GgufKv* FindKv(std::string_view key) const;
  bool Has(std::string_view key) const { return FindKv(key) != nullptr; }

  // Typed getters. The one-argument forms throw when the key is missing; the others return
  // `fallback`. A value of the wrong type is an error naming the key and both types:
  //   "<path>: metadata 'x.block_count' has type string, expected an integer (u32)".
  // Integer getters accept any integer type whose value fits; float getters accept f32/f64.
  uint32_t GetU32(std::string_view key) const;
  uint32_t GetU32(std::string_view key, uint32_t fallback) const;
  int32_t GetI32(std::string_view key) const;
  uint64_t GetU64(std::string_view key) const;
  int64_t GetI64(std::string_view key) const;
  float GetF32(std::string_view key) const;
  float GetF32(std::string_view key, float fallback) const;
  double GetF64(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  bool GetBool(std::string_view key, bool fallback) const;
  std::string_view GetString(std::string_view key) const;
  std::string_view GetString(std::string_view key, std::string_view fallback) const;
  // Arrays. Element types follow the same rules (GetF32Array also takes i32 arrays, as
  // llama.cpp does for token scores).
  uint64_t ArrayLength(std::string_view key) const;
  GgufType ArrayType(std::string_view key) const;
  std::vector<std::string_view> GetStringArray(std::string_view key) const;
  std::vector<float> GetF32Array(std::string_view key) const;
  std::vector<int32_t> GetI32Array(std::string_view key) const;
  std::vector<uint32_t> GetU32Array(std::string_view key) const;
  std::vector<int64_t> GetI64Array(std::string_view key) const;
  std::vector<double> GetF64Array(std::string_view key) const;
  std::vector<bool> GetBoolArray(std::string_view key) const;

  // Tensors in file order, and lookup by name (nullptr when absent).
  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  const GgufTensor* Find(std::string_view name) const;

  // A TensorView of a tensor (torch-order shape; dtype_name the GGML type name, e.g. "Q8_0";
  // dtype the matching DType, or kOther for GGML types gembed does not compute with), so
  // that code written for safetensors can read GGUF tensors.
  TensorView View(const GgufTensor& t) const;

  // "<path>: <what>", the form of every error this class throws.
  Error Fail(const std::string& what) const;

 private:
  GgufFile() = default;
  void Parse(const uint8_t* data, size_t size);
  const GgufKv& Require(std::string_view key) const;
  const GgufKv& RequireArray(std::string_view key) const;
  [[noreturn]] void TypeError(const GgufKv& kv, const char* expected) const;

  std::string path_;
  std::unique_ptr<MappedFile> file_;
  std::vector<uint8_t> bytes_;  // FromBytes only
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<GgufKv> kvs_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace gembed
