// The constants of the GGUF container (llama.cpp's file format), shared by the reader and
// the writer. Layout, all little-endian:
//
//   "GGUF"  u32 version (2 or 3)  u64 tensor_count  u64 kv_count
//   kv_count × { string key, u32 value type, value }
//   tensor_count × { string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset }
//   padding to general.alignment (default 32)
//   data section: each tensor at `offset` from its start, offsets multiples of the alignment
//
// string = u64 byte length + bytes (no terminator); array = u32 element type + u64 count +
// elements; bool = one byte, 0 or 1. Versions 2 and 3 share this layout (3 added big-endian
// files, which are refused); version 1 used 32-bit counts and is refused.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gembed {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint32_t kGgufVersion = 3;         // what the writer produces
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr uint32_t kGgufMaxDims = 4;
// llama.cpp keeps tensor names in a char[64] (GGML_MAX_NAME): longer names do not load.
inline constexpr size_t kGgufMaxTensorName = 63;

enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
inline constexpr uint32_t kGgufTypeCount = 13;

// "u32", "string", "array", …; "type 77" style text is up to the caller for bad ids.
const char* GgufTypeName(GgufType t);
// Bytes of one value of a fixed-size type; 0 for string and array.
size_t GgufScalarSize(GgufType t);

}  // namespace gembed
