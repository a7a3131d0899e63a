#include "model/weight_loader.h"

#include "base/error.h"

namespace gembed {

WeightLoader::WeightLoader(const TensorStore& store) : store_(store) {
  prefix_ = store.Find("embed_tokens.weight") == nullptr && store.Find("model.embed_tokens.weight") != nullptr
                ? "model."
                : "";
}

const TensorView& WeightLoader::Get(const std::string& name, std::vector<int64_t> shape) {
  const TensorView* t = store_.Find(prefix_ + name);
  used_.insert(prefix_ + name);
  if (t == nullptr) throw Error(store_.description() + ": missing tensor '" + prefix_ + name + "'");
  if (t->dtype == DType::kOther) {
    throw Error(t->file + ": tensor '" + t->name + "' has dtype " + t->dtype_name +
                "; expected F32, BF16, F16, Q8_0, Q4_0 or Q6_K");
  }
  if (t->shape != shape) {
    TensorView want;
    want.shape = shape;
    throw Error(t->file + ": tensor '" + t->name + "' has shape " + t->ShapeString() + " but config.json implies " +
                want.ShapeString());
  }
  return *t;
}

void WeightLoader::CheckAllUsed(const ModelConfig& c) const {
  for (const std::string& name : store_.Names()) {
    if (!used_.count(name)) {
      throw Error(store_.description() + ": unexpected tensor '" + name + "' (config.json describes " +
                  std::to_string(c.num_layers) + " layers of a gemma3_text encoder)");
    }
  }
}

}  // namespace gembed
