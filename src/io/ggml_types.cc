#include "io/ggml_types.h"

#include <limits>

#include "base/error.h"

namespace gembed {
namespace {

// Block sizes and byte sizes from the block structs of ggml-common.h (e.g. Q8_0: an f16
// scale + 32 int8 = 34 bytes per 32 weights; K-quants and IQ types use 256-weight blocks).
constexpr GgmlTypeInfo kTypes[] = {
    {GgmlType::kF32, "F32", 1, 4},
    {GgmlType::kF16, "F16", 1, 2},
    {GgmlType::kQ4_0, "Q4_0", 32, 18},
    {GgmlType::kQ4_1, "Q4_1", 32, 20},
    {GgmlType::kQ5_0, "Q5_0", 32, 22},
    {GgmlType::kQ5_1, "Q5_1", 32, 24},
    {GgmlType::kQ8_0, "Q8_0", 32, 34},
    {GgmlType::kQ8_1, "Q8_1", 32, 36},
    {GgmlType::kQ2_K, "Q2_K", 256, 84},
    {GgmlType::kQ3_K, "Q3_K", 256, 110},
    {GgmlType::kQ4_K, "Q4_K", 256, 144},
    {GgmlType::kQ5_K, "Q5_K", 256, 176},
    {GgmlType::kQ6_K, "Q6_K", 256, 210},
    {GgmlType::kQ8_K, "Q8_K", 256, 292},
    {GgmlType::kIQ2_XXS, "IQ2_XXS", 256, 66},
    {GgmlType::kIQ2_XS, "IQ2_XS", 256, 74},
    {GgmlType::kIQ3_XXS, "IQ3_XXS", 256, 98},
    {GgmlType::kIQ1_S, "IQ1_S", 256, 50},
    {GgmlType::kIQ4_NL, "IQ4_NL", 32, 18},
    {GgmlType::kIQ3_S, "IQ3_S", 256, 110},
    {GgmlType::kIQ2_S, "IQ2_S", 256, 82},
    {GgmlType::kIQ4_XS, "IQ4_XS", 256, 136},
    {GgmlType::kI8, "I8", 1, 1},
    {GgmlType::kI16, "I16", 1, 2},
    {GgmlType::kI32, "I32", 1, 4},
    {GgmlType::kI64, "I64", 1, 8},
    {GgmlType::kF64, "F64", 1, 8},
    {GgmlType::kIQ1_M, "IQ1_M", 256, 56},
    {GgmlType::kBF16, "BF16", 1, 2},
    {GgmlType::kTQ1_0, "TQ1_0", 256, 54},
    {GgmlType::kTQ2_0, "TQ2_0", 256, 66},
    {GgmlType::kMXFP4, "MXFP4", 32, 17},
    {GgmlType::kNVFP4, "NVFP4", 64, 36},
    {GgmlType::kQ1_0, "Q1_0", 128, 18},
};

constexpr uint32_t kTableSize = 42;  // one past the largest id

// Direct lookup by id; built once from kTypes.
struct Index {
  const GgmlTypeInfo* by_id[kTableSize] = {};
  Index() {
    for (const GgmlTypeInfo& t : kTypes) by_id[static_cast<uint32_t>(t.type)] = &t;
  }
};

const char* RemovedTypeName(uint32_t id) {
  switch (id) {
    case 4: return "Q4_2";
    case 5: return "Q4_3";
    case 31: return "Q4_0_4_4";
    case 32: return "Q4_0_4_8";
    case 33: return "Q4_0_8_8";
    case 36: return "IQ4_NL_4_4";
    case 37: return "IQ4_NL_4_8";
    case 38: return "IQ4_NL_8_8";
    default: return nullptr;
  }
}

}  // namespace

const GgmlTypeInfo* FindGgmlType(uint32_t id) {
  static const Index index;
  return id < kTableSize ? index.by_id[id] : nullptr;
}

std::string DescribeUnknownGgmlType(uint32_t id) {
  if (const char* removed = RemovedTypeName(id)) {
    return std::string(removed) + ", removed from the GGUF format";
  }
  return "unknown GGML type";
}

const GgmlTypeInfo& GgmlTypeOf(uint32_t id) {
  const GgmlTypeInfo* info = FindGgmlType(id);
  if (info == nullptr) {
    throw Error("GGML type " + std::to_string(id) + " (" + DescribeUnknownGgmlType(id) + ")");
  }
  return *info;
}

const char* GgmlTypeName(GgmlType t) {
  const GgmlTypeInfo* info = FindGgmlType(static_cast<uint32_t>(t));
  return info != nullptr ? info->name : "?";
}

bool GgmlTensorBytes(const GgmlTypeInfo& info, std::span<const int64_t> ne, uint64_t* bytes,
                     std::string* why) {
  if (ne.empty()) {
    *why = "has no dimensions";
    return false;
  }
  for (size_t i = 0; i < ne.size(); ++i) {
    if (ne[i] <= 0) {
      *why = "has dimension ne[" + std::to_string(i) + "] = " + std::to_string(ne[i]) +
             " (must be positive)";
      return false;
    }
  }
  if (ne[0] % info.block_size != 0) {
    *why = "has rows of " + std::to_string(ne[0]) + " elements, not a multiple of the " +
           info.name + " block size " + std::to_string(info.block_size);
    return false;
  }
  // Elements and blocks × type size, refusing anything past 2^63 so that element counts,
  // offsets and sizes cannot wrap.
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t elements = static_cast<uint64_t>(ne[0]);
  for (size_t i = 1; i < ne.size(); ++i) {
    const auto d = static_cast<uint64_t>(ne[i]);
    if (elements > kMax / d) {
      *why = "is too large (element count overflows)";
      return false;
    }
    elements *= d;
  }
  const uint64_t total = elements / info.block_size;
  if (total > kMax / info.type_size) {
    *why = "is too large (byte size overflows)";
    return false;
  }
  *bytes = total * info.type_size;
  return true;
}

}  // namespace gembed
