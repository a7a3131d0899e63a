// The tensor element types of GGML, as GGUF files store them: a type id (the numbers of
// ggml.h's `enum ggml_type`, which are part of the file format), a block size (elements
// per block) and a type size (bytes per block). A GGUF reader needs the table even for
// types it cannot compute with, to check every tensor's byte size and offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace gembed {

enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  // 4 (Q4_2) and 5 (Q4_3) were removed from GGML in 2023.
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  // 31–33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) and 36–38 (IQ4_NL_4_4, …) are no longer
  // allowed in GGUF files: llama.cpp repacks at load time instead.
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
  kNVFP4 = 40,
  kQ1_0 = 41,
};

struct GgmlTypeInfo {
  GgmlType type;
  const char* name;     // upper case, as gguf-py and llama-quantize print it: "Q8_0"
  uint32_t block_size;  // elements per block (1 for plain element types)
  uint32_t type_size;   // bytes per block
};

// The entry for a type id, or nullptr for an id that is not (or no longer) a GGML type.
const GgmlTypeInfo* FindGgmlType(uint32_t id);
// The same, throwing gembed::Error for an unknown id: "GGML type 99 is unknown" or, for a
// removed id, "GGML type 31 (Q4_0_4_4) was removed from the GGUF format".
const GgmlTypeInfo& GgmlTypeOf(uint32_t id);
// Why `id` has no entry, for messages: "unknown GGML type" or "Q4_0_4_4, removed from GGUF".
std::string DescribeUnknownGgmlType(uint32_t id);
const char* GgmlTypeName(GgmlType t);

// Bytes of a tensor of type `info` with dimensions `ne` in GGUF order (ne[0] is the row
// length, the innermost dimension). Returns false and sets *why when a dimension is not
// positive, ne[0] is not a multiple of the block size, or the size overflows 63 bits.
bool GgmlTensorBytes(const GgmlTypeInfo& info, std::span<const int64_t> ne, uint64_t* bytes,
                     std::string* why);

}  // namespace gembed
