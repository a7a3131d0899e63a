#include "io/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace gembed {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutString(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s);
}
template <typename T>
std::string Bytes(T v) {  // little-endian bytes of a scalar (the hosts we build for are LE)
  std::string s(sizeof v, '\0');
  std::memcpy(s.data(), &v, sizeof v);
  return s;
}

}  // namespace

// Where Emit sends the file: a byte vector or a FILE*.
class GgufWriter::Sink {
 public:
  virtual ~Sink() = default;
  virtual void Write(const void* data, size_t n) = 0;
  uint64_t written() const { return written_; }

 protected:
  uint64_t written_ = 0;
};

namespace {

class VectorSink : public GgufWriter::Sink {
 public:
  explicit VectorSink(std::vector<uint8_t>* out) : out_(out) {}
  void Write(const void* data, size_t n) override {
    const auto* p = static_cast<const uint8_t*>(data);
    out_->insert(out_->end(), p, p + n);
    written_ += n;
  }

 private:
  std::vector<uint8_t>* out_;
};

class FileSink : public GgufWriter::Sink {
 public:
  FileSink(std::FILE* f, const std::string& path) : f_(f), path_(path) {}
  void Write(const void* data, size_t n) override {
    if (n != 0 && std::fwrite(data, 1, n, f_) != n) {
      throw Error("cannot write " + path_ + ": " + std::strerror(errno));
    }
    written_ += n;
  }

 private:
  std::FILE* f_;
  const std::string& path_;
};

}  // namespace

void GgufWriter::AddKv(std::string_view key, GgufType type, std::string value) {
  if (key.empty()) throw Error("GgufWriter: empty metadata key");
  if (!keys_.emplace(key).second) throw Error("GgufWriter: metadata key '" + std::string(key) + "' is set twice");
  PutString(&kv_bytes_, key);
  PutU32(&kv_bytes_, static_cast<uint32_t>(type));
  kv_bytes_ += value;
  ++kv_count_;
}

void GgufWriter::SetU8(std::string_view key, uint8_t v) { AddKv(key, GgufType::kU8, Bytes(v)); }
void GgufWriter::SetI8(std::string_view key, int8_t v) { AddKv(key, GgufType::kI8, Bytes(v)); }
void GgufWriter::SetU16(std::string_view key, uint16_t v) { AddKv(key, GgufType::kU16, Bytes(v)); }
void GgufWriter::SetI16(std::string_view key, int16_t v) { AddKv(key, GgufType::kI16, Bytes(v)); }
void GgufWriter::SetU32(std::string_view key, uint32_t v) { AddKv(key, GgufType::kU32, Bytes(v)); }
void GgufWriter::SetI32(std::string_view key, int32_t v) { AddKv(key, GgufType::kI32, Bytes(v)); }
void GgufWriter::SetU64(std::string_view key, uint64_t v) { AddKv(key, GgufType::kU64, Bytes(v)); }
void GgufWriter::SetI64(std::string_view key, int64_t v) { AddKv(key, GgufType::kI64, Bytes(v)); }
void GgufWriter::SetF32(std::string_view key, float v) { AddKv(key, GgufType::kF32, Bytes(v)); }
void GgufWriter::SetF64(std::string_view key, double v) { AddKv(key, GgufType::kF64, Bytes(v)); }
void GgufWriter::SetBool(std::string_view key, bool v) {
  AddKv(key, GgufType::kBool, std::string(1, v ? '\1' : '\0'));
}
void GgufWriter::SetString(std::string_view key, std::string_view v) {
  std::string value;
  PutString(&value, v);
  AddKv(key, GgufType::kString, std::move(value));
}

void GgufWriter::SetArray(std::string_view key, GgufType elem, const void* data, size_t count) {
  const size_t size = GgufScalarSize(elem);
  if (size == 0) {
    throw Error("GgufWriter: SetArray('" + std::string(key) + "') needs a fixed-size element type, not " +
                GgufTypeName(elem));
  }
  std::string value;
  PutU32(&value, static_cast<uint32_t>(elem));
  PutU64(&value, count);
  value.append(static_cast<const char*>(data), count * size);
  if (elem == GgufType::kBool) {
    for (size_t i = value.size() - count; i < value.size(); ++i) {
      if (static_cast<uint8_t>(value[i]) > 1) {
        throw Error("GgufWriter: bool array '" + std::string(key) + "' holds a value other than 0/1");
      }
    }
  }
  AddKv(key, GgufType::kArray, std::move(value));
}

void GgufWriter::SetStringArray(std::string_view key, const std::vector<std::string_view>& v) {
  std::string value;
  PutU32(&value, static_cast<uint32_t>(GgufType::kString));
  PutU64(&value, v.size());
  for (std::string_view s : v) PutString(&value, s);
  AddKv(key, GgufType::kArray, std::move(value));
}

void GgufWriter::SetStringArray(std::string_view key, const std::vector<std::string>& v) {
  SetStringArray(key, std::vector<std::string_view>(v.begin(), v.end()));
}

void GgufWriter::SetI32Array(std::string_view key, const std::vector<int32_t>& v) {
  SetArray(key, GgufType::kI32, v.data(), v.size());
}

void GgufWriter::SetF32Array(std::string_view key, const std::vector<float>& v) {
  SetArray(key, GgufType::kF32, v.data(), v.size());
}

void GgufWriter::SetBoolArray(std::string_view key, const std::vector<bool>& v) {
  std::vector<uint8_t> b(v.begin(), v.end());
  SetArray(key, GgufType::kBool, b.data(), b.size());
}

void GgufWriter::AddTensorView(std::string name, GgmlType type, std::vector<int64_t> shape,
                               const uint8_t* data, size_t nbytes) {
  const std::string where = "GgufWriter: tensor '" + name + "' ";
  if (name.empty()) throw Error("GgufWriter: empty tensor name");
  if (name.size() > kGgufMaxTensorName) {
    throw Error(where + "has a name of " + std::to_string(name.size()) + " bytes (llama.cpp allows " +
                std::to_string(kGgufMaxTensorName) + ")");
  }
  if (tensor_names_.count(name)) throw Error(where + "is added twice");
  if (shape.empty() || shape.size() > kGgufMaxDims) {
    throw Error(where + "has " + std::to_string(shape.size()) + " dimensions (must be 1 to 4)");
  }
  const GgmlTypeInfo& info = GgmlTypeOf(static_cast<uint32_t>(type));
  std::vector<int64_t> ne(shape.rbegin(), shape.rend());
  uint64_t expected = 0;
  std::string why;
  if (!GgmlTensorBytes(info, ne, &expected, &why)) throw Error(where + why);
  if (expected != nbytes) {
    throw Error(where + "has " + std::to_string(nbytes) + " bytes but " + info.name + " of this shape needs " +
                std::to_string(expected));
  }
  tensor_names_.insert(name);
  tensors_.push_back(Tensor{std::move(name), type, std::move(ne), {}, data, nbytes});
}

void GgufWriter::AddTensor(std::string name, GgmlType type, std::vector<int64_t> shape,
                           std::vector<uint8_t> bytes) {
  const size_t n = bytes.size();
  AddTensorView(std::move(name), type, std::move(shape), bytes.data(), n);
  tensors_.back().owned = std::move(bytes);  // the buffer (and so `data`) stays put
}

void GgufWriter::Emit(Sink& sink) const {
  constexpr uint64_t kAlign = kGgufDefaultAlignment;
  auto padded = [&](uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; };
  std::string head;
  PutU32(&head, kGgufMagic);
  PutU32(&head, kGgufVersion);
  PutU64(&head, tensors_.size());
  PutU64(&head, kv_count_);
  head += kv_bytes_;
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    PutString(&head, t.name);
    PutU32(&head, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) PutU64(&head, static_cast<uint64_t>(d));
    PutU32(&head, static_cast<uint32_t>(t.type));
    PutU64(&head, offset);
    offset = padded(offset + t.nbytes);
  }
  head.append(padded(head.size()) - head.size(), '\0');
  sink.Write(head.data(), head.size());
  static const char kZeros[kAlign] = {};
  for (const Tensor& t : tensors_) {
    sink.Write(t.data, t.nbytes);
    sink.Write(kZeros, padded(t.nbytes) - t.nbytes);
  }
}

std::vector<uint8_t> GgufWriter::ToBytes() const {
  std::vector<uint8_t> out;
  VectorSink sink(&out);
  Emit(sink);
  return out;
}

void GgufWriter::Write(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  try {
    FileSink sink(f, tmp);
    Emit(sink);
    if (std::fflush(f) != 0) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  if (std::fclose(f) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw Error("cannot write " + tmp + ": " + std::strerror(e));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw Error("cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
}

}  // namespace gembed
