// Reader for the safetensors format (https://huggingface.co/docs/safetensors):
//   [u64 little-endian header length N][N bytes of JSON header][data]
// The header maps tensor names to {dtype, shape, data_offsets: [begin, end)} relative to
// the data section, plus an optional "__metadata__" string map.
//
// The whole file is memory-mapped and every claim of the header is checked before a
// tensor is handed out: the header fits in the file, offsets are ordered, inside the data
// section and do not overlap, and each byte size equals numel × dtype size. A bad file is
// refused with a message naming the file and the tensor.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "io/tensor.h"

namespace gembed {

class SafeTensorsFile {
 public:
  explicit SafeTensorsFile(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // nullptr when absent.
  const TensorView* Find(const std::string& name) const;

 private:
  std::unique_ptr<MappedFile> file_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// All tensors of a checkpoint: a single `model.safetensors`, or the shards named by
// `model.safetensors.index.json` ({"weight_map": {tensor: shard file}}).
class TensorStore {
 public:
  // dir/basename.safetensors, else dir/basename.safetensors.index.json; throws if neither.
  static std::unique_ptr<TensorStore> Open(const std::string& dir,
                                           const std::string& basename = "model");

  const TensorView* Find(const std::string& name) const;
  // A store over tensors that live elsewhere (a GGUF file, say), kept alive by `owner`.
  // Names must be unique.
  static std::unique_ptr<TensorStore> FromViews(std::vector<TensorView> views, std::shared_ptr<const void> owner,
                                                std::string description);

  // Every tensor name, sorted.
  std::vector<std::string> Names() const;
  // The file(s) it came from, for messages.
  const std::string& description() const { return description_; }

 private:
  std::vector<std::unique_ptr<SafeTensorsFile>> files_;
  std::vector<TensorView> views_;       // FromViews: the tensors
  std::shared_ptr<const void> owner_;  // FromViews: what keeps their bytes mapped
  std::map<std::string, const TensorView*> by_name_;
  std::string description_;
};

}  // namespace gembed
