#include "io/gguf_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/mapped_file.h"

namespace gembed {

const char* GgufTypeName(GgufType t) {
  switch (t) {
    case GgufType::kU8: return "u8";
    case GgufType::kI8: return "i8";
    case GgufType::kU16: return "u16";
    case GgufType::kI16: return "i16";
    case GgufType::kU32: return "u32";
    case GgufType::kI32: return "i32";
    case GgufType::kF32: return "f32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kU64: return "u64";
    case GgufType::kI64: return "i64";
    case GgufType::kF64: return "f64";
  }
  return "?";
}

size_t GgufScalarSize(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool: return 1;
    case GgufType::kU16:
    case GgufType::kI16: return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32: return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64: return 8;
    case GgufType::kString:
    case GgufType::kArray: return 0;
  }
  return 0;
}

namespace {

uint32_t LoadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t LoadU64(const uint8_t* p) {
  return static_cast<uint64_t>(LoadU32(p)) | static_cast<uint64_t>(LoadU32(p + 4)) << 32;
}

std::string Quote(std::string_view s) {
  // Keys and names are usually ASCII; keep messages printable and short whatever they hold.
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < 80; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > 80) out += "…";
  return out + "'";
}

// What is being read, for messages: "element 5 of 'tokens'", "the type of tensor 'w'".
// The text is built only when a read fails (a token list has hundreds of thousands of
// strings).
struct Where {
  const char* what;
  int64_t index = -1;          // appended to `what` when >= 0
  const char* of = nullptr;    // with `name`: " of <of>'<name>'"
  std::string_view name = {};
  std::string Text() const {
    std::string s = what;
    if (index >= 0) s += " " + std::to_string(index);
    if (of != nullptr) s += std::string(" of ") + of + Quote(name);
    return s;
  }
};

// Bounds-checked reading of the header. Every read says what it was reading, so that a
// truncated file says where it ends: "truncated: the type of 'x' needs 4 bytes at byte 41".
class Cursor {
 public:
  Cursor(const GgufFile& f, const uint8_t* data, size_t size) : f_(f), data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const uint8_t* data() const { return data_; }

  const uint8_t* Take(uint64_t n, const Where& where) {
    if (n > remaining()) {
      throw f_.Fail("truncated: " + where.Text() + " needs " + std::to_string(n) + " bytes at byte " +
                    std::to_string(pos_) + " but the file ends at byte " + std::to_string(size_));
    }
    const uint8_t* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  uint32_t U32(const Where& where) { return LoadU32(Take(4, where)); }
  uint64_t U64(const Where& where) { return LoadU64(Take(8, where)); }
  std::string_view String(const Where& where) {
    const uint64_t n = U64(where);
    if (n > remaining()) {
      throw f_.Fail(where.Text() + " has length " + std::to_string(n) + " at byte " +
                    std::to_string(pos_ - 8) + ", past the end of the file (" +
                    std::to_string(size_) + " bytes)");
    }
    return {reinterpret_cast<const char*>(Take(n, where)), static_cast<size_t>(n)};
  }

 private:
  const GgufFile& f_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Reads one metadata value of `type` at the cursor; fills data/nbytes/count.
void ReadValue(Cursor& c, const GgufFile& f, GgufKv* kv) {
  const Where what{"the value", -1, "", kv->key};
  if (kv->type == GgufType::kString) {
    const std::string_view s = c.String(what);
    kv->data = reinterpret_cast<const uint8_t*>(s.data());
    kv->nbytes = s.size();
    kv->count = s.size();
    return;
  }
  if (kv->type != GgufType::kArray) {
    const size_t n = GgufScalarSize(kv->type);
    kv->data = c.Take(n, what);
    kv->nbytes = n;
    if (kv->type == GgufType::kBool && kv->data[0] > 1) {
      throw f.Fail("metadata " + Quote(kv->key) + " is a bool holding " +
                   std::to_string(kv->data[0]) + " (must be 0 or 1)");
    }
    return;
  }
  const uint32_t elem = c.U32({"the element type", -1, "", kv->key});
  if (elem >= kGgufTypeCount) {
    throw f.Fail("metadata " + Quote(kv->key) + " is an array of unknown type " +
                 std::to_string(elem));
  }
  kv->elem_type = static_cast<GgufType>(elem);
  if (kv->elem_type == GgufType::kArray) {
    throw f.Fail("metadata " + Quote(kv->key) + " is an array of arrays (not supported)");
  }
  kv->count = c.U64({"the length", -1, "", kv->key});
  const size_t start = c.pos();
  if (kv->elem_type == GgufType::kString) {
    // Each string needs at least its 8-byte length: refuse absurd counts before looping.
    if (kv->count > c.remaining() / 8) {
      throw f.Fail("metadata " + Quote(kv->key) + " claims " + std::to_string(kv->count) +
                   " strings but only " + std::to_string(c.remaining()) + " bytes remain");
    }
    for (uint64_t i = 0; i < kv->count; ++i) {
      c.String({"element", static_cast<int64_t>(i), "", kv->key});
    }
  } else {
    const size_t size = GgufScalarSize(kv->elem_type);
    if (kv->count > c.remaining() / size) {
      throw f.Fail("metadata " + Quote(kv->key) + " claims " + std::to_string(kv->count) + " " +
                   GgufTypeName(kv->elem_type) + " values but only " +
                   std::to_string(c.remaining()) + " bytes remain");
    }
    c.Take(kv->count * size, what);
  }
  kv->data = c.data() + start;
  kv->nbytes = c.pos() - start;
}

}  // namespace

int64_t GgufTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;  // checked against overflow when the file was read
  return n;
}

std::string GgufTensor::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Error GgufFile::Fail(const std::string& what) const { return Error(path_ + ": " + what); }

GgufFile::GgufFile(const std::string& path) : path_(path), file_(std::make_unique<MappedFile>(path)) {
  Parse(file_->data(), file_->size());
}

GgufFile::~GgufFile() = default;

std::unique_ptr<GgufFile> GgufFile::FromBytes(std::vector<uint8_t> bytes, const std::string& name) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = name;
  f->bytes_ = std::move(bytes);
  f->Parse(f->bytes_.data(), f->bytes_.size());
  return f;
}

void GgufFile::Parse(const uint8_t* data, size_t size) {
  Cursor c(*this, data, size);
  if (size < 4 || LoadU32(data) != kGgufMagic) {
    throw Fail("not a GGUF file (the first 4 bytes are not \"GGUF\")");
  }
  c.Take(4, {"the magic"});
  version_ = c.U32({"the version"});
  if (version_ != 2 && version_ != 3) {
    const uint32_t swapped = __builtin_bswap32(version_);
    if (swapped == 2 || swapped == 3) throw Fail("big-endian GGUF files are not supported");
    if (version_ == 1) throw Fail("GGUF version 1 (2023 and older) is not supported; re-convert the model");
    throw Fail("unsupported GGUF version " + std::to_string(version_) + " (expected 2 or 3)");
  }
  const uint64_t n_tensors = c.U64({"the tensor count"});
  const uint64_t n_kv = c.U64({"the metadata count"});
  // Smallest possible entries: a key/name length, a type, and a 1-byte value; a tensor
  // info is at least a name length, n_dims, one dimension, a type and an offset.
  constexpr uint64_t kMinKv = 8 + 4 + 1, kMinTensor = 8 + 4 + 8 + 4 + 8;
  if (n_kv > c.remaining() / kMinKv) {
    throw Fail("claims " + std::to_string(n_kv) + " metadata entries, more than its " +
               std::to_string(size) + " bytes can hold");
  }
  if (n_tensors > c.remaining() / kMinTensor) {
    throw Fail("claims " + std::to_string(n_tensors) + " tensors, more than its " +
               std::to_string(size) + " bytes can hold");
  }

  kvs_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t i = 0; i < n_kv; ++i) {
    GgufKv kv;
    kv.file_offset = c.pos();
    kv.key = std::string(c.String({"the key of metadata entry", static_cast<int64_t>(i)}));
    if (kv.key.empty()) throw Fail("metadata entry " + std::to_string(i) + " has an empty key");
    const uint32_t type = c.U32({"the type", -1, "", kv.key});
    if (type >= kGgufTypeCount) {
      throw Fail("metadata " + Quote(kv.key) + " has unknown value type " + std::to_string(type));
    }
    kv.type = static_cast<GgufType>(type);
    ReadValue(c, *this, &kv);
    if (kv.type == GgufType::kArray && kv.elem_type == GgufType::kBool) {
      for (size_t k = 0; k < kv.nbytes; ++k) {
        if (kv.data[k] > 1) {
          throw Fail("metadata " + Quote(kv.key) + " element " + std::to_string(k) +
                     " is a bool holding " + std::to_string(kv.data[k]) + " (must be 0 or 1)");
        }
      }
    }
    if (!kv_index_.emplace(kv.key, kvs_.size()).second) {
      throw Fail("metadata key " + Quote(kv.key) + " appears twice");
    }
    kvs_.push_back(std::move(kv));
  }

  if (const GgufKv* a = FindKv("general.alignment")) {
    if (a->type != GgufType::kU32) {
      throw Fail("metadata 'general.alignment' has type " + std::string(GgufTypeName(a->type)) +
                 ", expected u32");
    }
    alignment_ = LoadU32(a->data);
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) {
      throw Fail("general.alignment is " + std::to_string(alignment_) + " (must be a power of two)");
    }
  }

  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensor t;
    t.name = std::string(c.String({"the name of tensor", static_cast<int64_t>(i)}));
    if (t.name.empty()) throw Fail("tensor " + std::to_string(i) + " has an empty name");
    const std::string tname = "tensor " + Quote(t.name);
    const uint32_t n_dims = c.U32({"the dimension count", -1, "tensor ", t.name});
    if (n_dims == 0 || n_dims > kGgufMaxDims) {
      throw Fail(tname + " has " + std::to_string(n_dims) + " dimensions (must be 1 to " +
                 std::to_string(kGgufMaxDims) + ")");
    }
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t v = c.U64({"dimension", d, "tensor ", t.name});
      if (v == 0 || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw Fail(tname + " has dimension ne[" + std::to_string(d) + "] = " +
                   (v == 0 ? std::string("0") : std::to_string(static_cast<int64_t>(v))) +
                   " (must be positive)");
      }
      t.ne.push_back(static_cast<int64_t>(v));
    }
    const uint32_t type = c.U32({"the type", -1, "tensor ", t.name});
    t.type = FindGgmlType(type);
    if (t.type == nullptr) {
      throw Fail(tname + " has type " + std::to_string(type) + " (" + DescribeUnknownGgmlType(type) + ")");
    }
    t.offset = c.U64({"the offset", -1, "tensor ", t.name});
    uint64_t nbytes = 0;
    std::string why;
    if (!GgmlTensorBytes(*t.type, t.ne, &nbytes, &why)) throw Fail(tname + " " + why);
    if (nbytes > std::numeric_limits<size_t>::max()) throw Fail(tname + " is too large");
    t.nbytes = static_cast<size_t>(nbytes);
    t.shape.assign(t.ne.rbegin(), t.ne.rend());
    if (!tensor_index_.emplace(t.name, tensors_.size()).second) {
      throw Fail("tensor name " + Quote(t.name) + " appears twice");
    }
    tensors_.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t header_end = c.pos();
  data_offset_ = (header_end + alignment_ - 1) / alignment_ * alignment_;
  if (tensors_.empty()) return;
  if (data_offset_ > size) {
    throw Fail("truncated: the data section would start at byte " + std::to_string(data_offset_) +
               " but the file has " + std::to_string(size) + " bytes");
  }
  const uint64_t data_size = size - data_offset_;
  struct Range {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Range> ranges;
  ranges.reserve(tensors_.size());
  for (size_t i = 0; i < tensors_.size(); ++i) {
    GgufTensor& t = tensors_[i];
    const std::string tname = "tensor " + Quote(t.name);
    if (t.offset % alignment_ != 0) {
      throw Fail(tname + " has offset " + std::to_string(t.offset) +
                 ", not a multiple of the alignment " + std::to_string(alignment_));
    }
    if (t.offset > data_size || t.nbytes > data_size - t.offset) {
      throw Fail(tname + " (" + t.type->name + " " + t.ShapeString() + ", " +
                 std::to_string(t.nbytes) + " bytes at offset " + std::to_string(t.offset) +
                 ") runs past the end of the data section (" + std::to_string(data_size) +
                 " bytes; file truncated?)");
    }
    t.data = data + data_offset_ + t.offset;
    ranges.push_back({t.offset, t.offset + t.nbytes, i});
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      throw Fail("tensors " + Quote(tensors_[ranges[i - 1].index].name) + " and " +
                 Quote(tensors_[ranges[i].index].name) + " overlap in the data section");
    }
  }
}

const GgufKv* GgufFile::FindKv(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second];
}

const GgufTensor* GgufFile::Find(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

TensorView GgufFile::View(const GgufTensor& t) const {
  TensorView v;
  v.name = t.name;
  v.shape = t.shape;
  v.data = t.data;
  v.nbytes = t.nbytes;
  v.file = path_;
  v.dtype_name = t.type->name;
  switch (t.ggml_type()) {
    case GgmlType::kF32: v.dtype = DType::kF32; break;
    case GgmlType::kF16: v.dtype = DType::kF16; break;
    case GgmlType::kBF16: v.dtype = DType::kBF16; break;
    case GgmlType::kQ8_0: v.dtype = DType::kQ8_0; break;
    case GgmlType::kQ4_0: v.dtype = DType::kQ4_0; break;
    case GgmlType::kQ6_K: v.dtype = DType::kQ6_K; break;
    default: v.dtype = DType::kOther; break;
  }
  return v;
}

// ---- typed getters ----

namespace {

bool IsInteger(GgufType t) {
  switch (t) {
    case GgufType::kU8: case GgufType::kI8: case GgufType::kU16: case GgufType::kI16:
    case GgufType::kU32: case GgufType::kI32: case GgufType::kU64: case GgufType::kI64:
      return true;
    default:
      return false;
  }
}

// An integer element as (negative?, magnitude) so that every type fits without loss.
struct IntValue {
  bool negative;
  uint64_t magnitude;
};

IntValue LoadInt(GgufType t, const uint8_t* p) {
  auto from_signed = [](int64_t v) {
    return IntValue{v < 0, v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v)};
  };
  switch (t) {
    case GgufType::kU8: return {false, p[0]};
    case GgufType::kI8: return from_signed(static_cast<int8_t>(p[0]));
    case GgufType::kU16: return {false, static_cast<uint64_t>(p[0] | p[1] << 8)};
    case GgufType::kI16: return from_signed(static_cast<int16_t>(p[0] | p[1] << 8));
    case GgufType::kU32: return {false, LoadU32(p)};
    case GgufType::kI32: return from_signed(static_cast<int32_t>(LoadU32(p)));
    case GgufType::kU64: return {false, LoadU64(p)};
    case GgufType::kI64: return from_signed(static_cast<int64_t>(LoadU64(p)));
    default: return {false, 0};
  }
}

std::string IntText(IntValue v) { return (v.negative ? "-" : "") + std::to_string(v.magnitude); }

double LoadFloat(GgufType t, const uint8_t* p) {
  if (t == GgufType::kF32) {
    const uint32_t bits = LoadU32(p);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  const uint64_t bits = LoadU64(p);
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

}  // namespace

void GgufFile::TypeError(const GgufKv& kv, const char* expected) const {
  std::string actual = GgufTypeName(kv.type);
  if (kv.type == GgufType::kArray) actual += std::string(" of ") + GgufTypeName(kv.elem_type);
  throw Fail("metadata " + Quote(kv.key) + " has type " + actual + ", expected " + expected);
}

const GgufKv& GgufFile::Require(std::string_view key) const {
  const GgufKv* kv = FindKv(key);
  if (kv == nullptr) throw Fail("metadata " + Quote(key) + " is missing");
  return *kv;
}

const GgufKv& GgufFile::RequireArray(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (kv.type != GgufType::kArray) TypeError(kv, "an array");
  return kv;
}

namespace {

// Range-checked integer conversion shared by the scalar and array getters.
// `index` is the array element, or -1 for a scalar (the message is built only on failure).
int64_t CheckedInt(const GgufFile& f, const GgufKv& kv, IntValue v, int64_t lo, uint64_t hi,
                   const char* type_name, int64_t index) {
  const bool fits = v.negative ? (lo < 0 && v.magnitude <= static_cast<uint64_t>(-(lo + 1)) + 1)
                               : v.magnitude <= hi;
  if (!fits) {
    std::string where = "metadata " + Quote(kv.key);
    if (index >= 0) where += "[" + std::to_string(index) + "]";
    throw f.Fail(where + " = " + IntText(v) + " does not fit " + type_name);
  }
  return v.negative ? -static_cast<int64_t>(v.magnitude - 1) - 1 : static_cast<int64_t>(v.magnitude);
}

}  // namespace

uint32_t GgufFile::GetU32(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (!IsInteger(kv.type)) TypeError(kv, "an integer (u32)");
  return static_cast<uint32_t>(
      CheckedInt(*this, kv, LoadInt(kv.type, kv.data), 0, UINT32_MAX, "u32", -1));
}

uint32_t GgufFile::GetU32(std::string_view key, uint32_t fallback) const {
  return Has(key) ? GetU32(key) : fallback;
}

int32_t GgufFile::GetI32(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (!IsInteger(kv.type)) TypeError(kv, "an integer (i32)");
  return static_cast<int32_t>(
      CheckedInt(*this, kv, LoadInt(kv.type, kv.data), INT32_MIN, INT32_MAX, "i32", -1));
}

uint64_t GgufFile::GetU64(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (!IsInteger(kv.type)) TypeError(kv, "an integer (u64)");
  const IntValue v = LoadInt(kv.type, kv.data);
  if (v.negative) throw Fail("metadata " + Quote(kv.key) + " = " + IntText(v) + " does not fit u64");
  return v.magnitude;
}

int64_t GgufFile::GetI64(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (!IsInteger(kv.type)) TypeError(kv, "an integer (i64)");
  return CheckedInt(*this, kv, LoadInt(kv.type, kv.data), INT64_MIN, INT64_MAX, "i64", -1);
}

double GgufFile::GetF64(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (kv.type != GgufType::kF32 && kv.type != GgufType::kF64) TypeError(kv, "a float (f32 or f64)");
  return LoadFloat(kv.type, kv.data);
}

float GgufFile::GetF32(std::string_view key) const { return static_cast<float>(GetF64(key)); }

float GgufFile::GetF32(std::string_view key, float fallback) const {
  return Has(key) ? GetF32(key) : fallback;
}

bool GgufFile::GetBool(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (kv.type != GgufType::kBool) TypeError(kv, "bool");
  return kv.data[0] != 0;
}

bool GgufFile::GetBool(std::string_view key, bool fallback) const {
  return Has(key) ? GetBool(key) : fallback;
}

std::string_view GgufFile::GetString(std::string_view key) const {
  const GgufKv& kv = Require(key);
  if (kv.type != GgufType::kString) TypeError(kv, "string");
  return {reinterpret_cast<const char*>(kv.data), kv.nbytes};
}

std::string_view GgufFile::GetString(std::string_view key, std::string_view fallback) const {
  return Has(key) ? GetString(key) : fallback;
}

uint64_t GgufFile::ArrayLength(std::string_view key) const { return RequireArray(key).count; }

GgufType GgufFile::ArrayType(std::string_view key) const { return RequireArray(key).elem_type; }

std::vector<std::string_view> GgufFile::GetStringArray(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  if (kv.elem_type != GgufType::kString) TypeError(kv, "array of string");
  std::vector<std::string_view> out;
  out.reserve(static_cast<size_t>(kv.count));
  const uint8_t* p = kv.data;
  for (uint64_t i = 0; i < kv.count; ++i) {  // lengths were checked when the file was read
    const uint64_t n = LoadU64(p);
    out.emplace_back(reinterpret_cast<const char*>(p + 8), static_cast<size_t>(n));
    p += 8 + n;
  }
  return out;
}

std::vector<float> GgufFile::GetF32Array(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  std::vector<float> out(static_cast<size_t>(kv.count));
  const size_t es = GgufScalarSize(kv.elem_type);
  if (kv.elem_type == GgufType::kF32 || kv.elem_type == GgufType::kF64) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(LoadFloat(kv.elem_type, kv.data + i * es));
  } else if (kv.elem_type == GgufType::kI32) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(static_cast<int32_t>(LoadU32(kv.data + i * 4)));
  } else {
    TypeError(kv, "array of f32");
  }
  return out;
}

std::vector<double> GgufFile::GetF64Array(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  if (kv.elem_type != GgufType::kF32 && kv.elem_type != GgufType::kF64) TypeError(kv, "array of f64");
  const size_t es = GgufScalarSize(kv.elem_type);
  std::vector<double> out(static_cast<size_t>(kv.count));
  for (size_t i = 0; i < out.size(); ++i) out[i] = LoadFloat(kv.elem_type, kv.data + i * es);
  return out;
}

std::vector<int32_t> GgufFile::GetI32Array(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  if (!IsInteger(kv.elem_type)) TypeError(kv, "array of i32");
  const size_t es = GgufScalarSize(kv.elem_type);
  std::vector<int32_t> out(static_cast<size_t>(kv.count));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<int32_t>(CheckedInt(*this, kv, LoadInt(kv.elem_type, kv.data + i * es), INT32_MIN,
                                             INT32_MAX, "i32", static_cast<int64_t>(i)));
  }
  return out;
}

std::vector<uint32_t> GgufFile::GetU32Array(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  if (!IsInteger(kv.elem_type)) TypeError(kv, "array of u32");
  const size_t es = GgufScalarSize(kv.elem_type);
  std::vector<uint32_t> out(static_cast<size_t>(kv.count));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint32_t>(CheckedInt(*this, kv, LoadInt(kv.elem_type, kv.data + i * es), 0,
                                              UINT32_MAX, "u32", static_cast<int64_t>(i)));
  }
  return out;
}

std::vector<int64_t> GgufFile::GetI64Array(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  if (!IsInteger(kv.elem_type)) TypeError(kv, "array of i64");
  const size_t es = GgufScalarSize(kv.elem_type);
  std::vector<int64_t> out(static_cast<size_t>(kv.count));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = CheckedInt(*this, kv, LoadInt(kv.elem_type, kv.data + i * es), INT64_MIN, INT64_MAX, "i64",
                        static_cast<int64_t>(i));
  }
  return out;
}

std::vector<bool> GgufFile::GetBoolArray(std::string_view key) const {
  const GgufKv& kv = RequireArray(key);
  if (kv.elem_type != GgufType::kBool) TypeError(kv, "array of bool");
  std::vector<bool> out(static_cast<size_t>(kv.count));
  for (size_t i = 0; i < out.size(); ++i) out[i] = kv.data[i] != 0;
  return out;
}

}  // namespace gembed
