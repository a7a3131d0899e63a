#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "io/json_file.h"

namespace gembed {
namespace {

using nlohmann::json;

DType ParseDType(const std::string& s) {
  if (s == "F32") return DType::kF32;
  if (s == "F16") return DType::kF16;
  if (s == "BF16") return DType::kBF16;
  return DType::kOther;
}

// Byte sizes of every dtype the format defines, so that offsets of tensors we do not use
// (e.g. an I64 buffer) are still checked.
size_t AnyDTypeSize(const std::string& s) {
  if (s == "F64" || s == "I64" || s == "U64") return 8;
  if (s == "F32" || s == "I32" || s == "U32") return 4;
  if (s == "F16" || s == "BF16" || s == "I16" || s == "U16") return 2;
  if (s == "I8" || s == "U8" || s == "BOOL" || s == "F8_E4M3" || s == "F8_E5M2") return 1;
  return 0;
}

}  // namespace

SafeTensorsFile::SafeTensorsFile(const std::string& path)
    : file_(std::make_unique<MappedFile>(path)) {
  const size_t size = file_->size();
  auto fail = [&](const std::string& why) -> Error { return Error(path + ": " + why); };
  if (size < 8) throw fail("file is " + std::to_string(size) + " bytes, too short for a safetensors header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file_->data()[i];
  if (header_len > size - 8) {
    throw fail("header length " + std::to_string(header_len) + " exceeds the file size " +
               std::to_string(size) + " (truncated or not a safetensors file)");
  }
  const char* hp = reinterpret_cast<const char*>(file_->data() + 8);
  json header;
  try {
    header = json::parse(hp, hp + header_len);
  } catch (const json::exception& e) {
    throw fail(std::string("malformed JSON header: ") + e.what());
  }
  if (!header.is_object()) throw fail("header is not a JSON object");

  const uint8_t* data = file_->data() + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  struct Range { uint64_t begin, end; size_t idx; };
  std::vector<Range> ranges;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw fail("__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (m.value().is_string()) metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto tfail = [&](const std::string& why) { return fail("tensor '" + name + "': " + why); };
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets")) {
      throw tfail("entry needs dtype, shape and data_offsets");
    }
    if (!v["dtype"].is_string()) throw tfail("dtype is not a string");
    const json& shape = v["shape"];
    const json& offs = v["data_offsets"];
    if (!shape.is_array()) throw tfail("shape is not an array");
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned()) {
      throw tfail("data_offsets must be two non-negative integers");
    }
    TensorView t;
    t.name = name;
    t.file = path;
    t.dtype_name = v["dtype"].get<std::string>();
    t.dtype = ParseDType(t.dtype_name);
    const size_t esize = AnyDTypeSize(t.dtype_name);
    if (esize == 0) throw tfail("unknown dtype " + t.dtype_name);
    // numel with overflow checks: absurd shapes must not wrap around.
    uint64_t numel = 1;
    for (const json& d : shape) {
      if (!d.is_number_unsigned()) throw tfail("shape has a non-integer or negative dimension");
      const uint64_t dim = d.get<uint64_t>();
      if (dim > 0 && numel > std::numeric_limits<uint64_t>::max() / dim / esize) {
        throw tfail("shape " + shape.dump() + " is too large");
      }
      numel *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const uint64_t begin = offs[0].get<uint64_t>(), end = offs[1].get<uint64_t>();
    if (begin > end) throw tfail("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] are reversed");
    if (end > data_size) {
      throw tfail("data_offsets end " + std::to_string(end) + " runs past the data section (" +
                  std::to_string(data_size) + " bytes; file truncated?)");
    }
    if (end - begin != numel * esize) {
      throw tfail("holds " + std::to_string(end - begin) + " bytes but " + t.dtype_name + " " +
                  shape.dump() + " needs " + std::to_string(numel * esize));
    }
    t.data = data + begin;
    t.nbytes = end - begin;
    t.mapped = true;
    ranges.push_back({begin, end, tensors_.size()});
    tensors_.push_back(std::move(t));
  }

  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      throw fail("tensors '" + tensors_[ranges[i - 1].idx].name + "' and '" + tensors_[ranges[i].idx].name +
                 "' overlap in the data section");
    }
  }
  for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

const TensorView* SafeTensorsFile::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::unique_ptr<TensorStore> TensorStore::Open(const std::string& dir, const std::string& basename) {
  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  const std::string single = dir + "/" + basename + ".safetensors";
  const std::string index = single + ".index.json";
  if (FileExists(single)) {
    store->files_.push_back(std::make_unique<SafeTensorsFile>(single));
    store->description_ = single;
  } else if (FileExists(index)) {
    const json j = ReadJsonFile(index);
    if (!j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw Error(index + ": missing \"weight_map\" object");
    }
    std::map<std::string, size_t> shard_of_file;
    std::map<std::string, std::string> wanted;  // tensor -> shard
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it.value().is_string()) throw Error(index + ": weight_map[\"" + it.key() + "\"] is not a file name");
      const std::string shard = it.value().get<std::string>();
      if (shard.find('/') != std::string::npos || shard.find("..") != std::string::npos) {
        throw Error(index + ": shard name '" + shard + "' must be a plain file name");
      }
      wanted[it.key()] = shard;
      if (!shard_of_file.count(shard)) {
        shard_of_file[shard] = store->files_.size();
        store->files_.push_back(std::make_unique<SafeTensorsFile>(dir + "/" + shard));
      }
    }
    for (const auto& [name, shard] : wanted) {
      if (store->files_[shard_of_file[shard]]->Find(name) == nullptr) {
        throw Error(index + ": tensor '" + name + "' is listed in " + shard + " but not stored there");
      }
    }
    store->description_ = index;
  } else {
    throw Error("no weights in " + dir + ": expected " + basename + ".safetensors or " + basename +
                ".safetensors.index.json");
  }
  for (const auto& f : store->files_) {
    for (const auto& t : f->tensors()) {
      if (!store->by_name_.emplace(t.name, &t).second) {
        throw Error(store->description_ + ": tensor '" + t.name + "' is stored twice (in " + t.file + ")");
      }
    }
  }
  return store;
}

std::unique_ptr<TensorStore> TensorStore::FromViews(std::vector<TensorView> views, std::shared_ptr<const void> owner,
                                                    std::string description) {
  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  store->views_ = std::move(views);
  store->owner_ = std::move(owner);
  store->description_ = std::move(description);
  for (const TensorView& t : store->views_) {
    if (!store->by_name_.emplace(t.name, &t).second) {
      throw Error(store->description_ + ": tensor '" + t.name + "' is stored twice");
    }
  }
  return store;
}

const TensorView* TensorStore::Find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> TensorStore::Names() const {
  std::vector<std::string> out;
  for (const auto& kv : by_name_) out.push_back(kv.first);
  return out;
}

}  // namespace gembed
