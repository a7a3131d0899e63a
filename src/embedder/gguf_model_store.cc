#include "embedder/gguf_model_store.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "base/error.h"

namespace gembed {

bool IsGgufFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  return f.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

GgufModelStore OpenGgufModel(const std::string& path) {
  GgufModelStore s;
  auto file = std::make_shared<GgufFile>(path);
  s.info = ReadGgufModel(*file);
  // Keeps the file mapped and owns the norm weights converted back to HF's w.
  struct Owner {
    std::shared_ptr<const GgufFile> file;
    std::vector<std::vector<float>> norms;
  };
  auto owner = std::make_shared<Owner>();
  owner->file = file;
  owner->norms.reserve(file->tensors().size());
  std::vector<TensorView> encoder, head;
  for (const GgufTensor& t : file->tensors()) {
    const std::string hf = GgufToHfName(t.name);
    if (hf.empty()) throw file->Fail("tensor '" + t.name + "' is not part of EmbeddingGemma");
    TensorView v = file->View(t);
    v.name = hf;
    v.mapped = true;
    if (GgufStoresNormPlusOne(hf)) {
      std::vector<float> w = ToF32(v);
      GgufNormToHf(w.data(), w.size());
      v.dtype = DType::kF32;
      v.dtype_name = "F32";
      v.data = reinterpret_cast<const uint8_t*>(w.data());
      v.mapped = false;
      v.nbytes = w.size() * sizeof(float);
      owner->norms.push_back(std::move(w));
    }
    (hf.find("_Dense/") != std::string::npos ? head : encoder).push_back(std::move(v));
  }
  s.file = file;
  s.encoder = TensorStore::FromViews(std::move(encoder), owner, path);
  s.head = TensorStore::FromViews(std::move(head), owner, path);
  return s;
}

}  // namespace gembed
