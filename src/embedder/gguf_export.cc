#include "embedder/gguf_export.h"

#include <cstring>
#include <memory>
#include <vector>

#include "base/error.h"
#include "embedder/gguf_model_store.h"
#include "embedder/model_folder.h"
#include "io/gguf_writer.h"
#include "kernels/convert.h"
#include "kernels/quant.h"
#include "model/gguf_model.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/spm_vocab.h"

namespace gembed {
namespace {

GgmlType GgmlFor(DType d) {
  switch (d) {
    case DType::kF32: return GgmlType::kF32;
    case DType::kF16: return GgmlType::kF16;
    case DType::kBF16: return GgmlType::kBF16;
    case DType::kQ8_0: return GgmlType::kQ8_0;
    case DType::kQ4_0: return GgmlType::kQ4_0;
    case DType::kQ6_K: return GgmlType::kQ6_K;
    default: break;
  }
  throw Error(std::string("cannot write dtype ") + DTypeName(d) + " to GGUF");
}

// The type a matrix is written in under `type` (see gguf_export.h).
GgmlType TargetType(const std::string& type, const std::string& gguf_name, DType stored) {
  if (type == "auto") return GgmlFor(stored);
  if (type == "f32") return GgmlType::kF32;
  if (type == "f16") return GgmlType::kF16;
  if (type == "bf16") return GgmlType::kBF16;
  if (type == "q8_0") return GgmlType::kQ8_0;
  if (type == "q4_0") return GgmlType::kQ4_0;
  if (type == "mixed") return gguf_name.find(".attn_") != std::string::npos ? GgmlType::kQ8_0 : GgmlType::kQ4_0;
  throw Error("unknown GGUF type '" + type + "' (expected auto, f32, f16, bf16, q8_0, q4_0 or mixed)");
}

// Encodes rows of f32 values as `t`, appending to `out`.
void Encode(const float* x, size_t rows, size_t cols, GgmlType t, std::vector<uint8_t>* out) {
  const size_t old = out->size();
  switch (t) {
    case GgmlType::kF32:
      out->resize(old + rows * cols * 4);
      std::memcpy(out->data() + old, x, rows * cols * 4);
      return;
    case GgmlType::kF16:
    case GgmlType::kBF16: {
      out->resize(old + rows * cols * 2);
      uint16_t* dst = reinterpret_cast<uint16_t*>(out->data() + old);
      for (size_t i = 0; i < rows * cols; ++i) {
        if (t == GgmlType::kF16) {
          dst[i] = F32ToF16(x[i]);
        } else {
          uint32_t bits;
          std::memcpy(&bits, &x[i], 4);
          const bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
          dst[i] = nan ? static_cast<uint16_t>((bits >> 16) | 0x40) : static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
        }
      }
      return;
    }
    case GgmlType::kQ8_0: {
      const size_t nb = cols / kQ8Block;
      out->resize(old + rows * nb * sizeof(BlockQ8_0));
      BlockQ8_0* dst = reinterpret_cast<BlockQ8_0*>(out->data() + old);
      for (size_t r = 0; r < rows; ++r) QuantizeRowQ8_0Grid(x + r * cols, cols, dst + r * nb);
      return;
    }
    case GgmlType::kQ4_0: {
      const size_t nb = cols / kQ4Block;
      out->resize(old + rows * nb * sizeof(BlockQ4_0));
      BlockQ4_0* dst = reinterpret_cast<BlockQ4_0*>(out->data() + old);
      for (size_t r = 0; r < rows; ++r) QuantizeRowQ4_0Grid(x + r * cols, cols, dst + r * nb);
      return;
    }
    default: throw Error("cannot quantise to this GGML type");
  }
}

uint32_t FileTypeOf(const std::string& type) {  // llama.cpp's llama_ftype
  if (type == "f32") return 0;
  if (type == "f16") return 1;
  if (type == "q4_0" || type == "mixed") return 2;
  if (type == "q8_0") return 7;
  if (type == "bf16") return 32;
  return 0;
}

}  // namespace

GgufExportResult ExportGguf(const std::string& model_path, const std::string& out_path, const std::string& type) {
  TargetType(type, "", DType::kF32);  // validates `type` before any work
  ModelFolder m = ModelFolder::Load(model_path, "auto", /*with_weights=*/false);
  std::shared_ptr<const TensorStore> source;
  GgufModelStore gguf;
  if (IsGgufFile(model_path)) {
    gguf = OpenGgufModel(model_path);
    source = gguf.encoder;
  } else {
    source = TensorStore::Open(model_path);
  }
  const std::string prefix =
      source->Find("embed_tokens.weight") == nullptr && source->Find("model.embed_tokens.weight") ? "model." : "";

  GgufWriter w;
  GgufModelInfo info;
  info.config = m.config;
  info.has_dense = m.dense.size() == 2;
  info.dense_hidden = info.has_dense ? m.dense[0].out_features : 0;
  info.max_seq_length = m.max_seq_length;
  info.name = "EmbeddingGemma (gembed convert)";
  info.file_type = FileTypeOf(type);
  if (type == "auto") {  // the source's own, or what its embedding table says
    if (gguf.info.file_type) {
      info.file_type = gguf.info.file_type;
    } else if (const TensorView* e = source->Find(prefix + "embed_tokens.weight")) {
      info.file_type = e->dtype == DType::kBF16 ? 32 : e->dtype == DType::kF16 ? 1 : 0;
    }
  }
  for (const auto& [name, text] : m.prompts) info.prompts.emplace_back(name, text);
  if (m.default_prompt_name) info.default_prompt_name = *m.default_prompt_name;
  if (m.dense.size() == 1 || m.dense.size() > 2) {
    throw Error(model_path + ": GGUF holds exactly two Dense layers (EmbeddingGemma's), this model has " +
                std::to_string(m.dense.size()));
  }
  for (const DenseLayer& d : m.dense) {
    if (d.activation != DenseLayer::Activation::kIdentity) {
      throw Error(model_path + ": GGUF's Dense layers have no activation; this model's use Tanh");
    }
  }
  WriteGgufModelMetadata(info, &w);
  if (m.tokenizer) WriteGgufVocab(SpmVocabFromTokenizer(*m.tokenizer, m.config.vocab_size), &w);

  GgufExportResult result;
  for (const GgufTensorSpec& spec : ExpectedGgufTensors(m.config, info.dense_hidden)) {
    const std::string hf = GgufToHfName(spec.name);
    const size_t rows = spec.shape.size() == 2 ? static_cast<size_t>(spec.shape[0]) : 1;
    const size_t cols = static_cast<size_t>(spec.shape.back());
    std::vector<uint8_t> bytes;
    GgmlType out_type = GgmlType::kF32;
    if (hf.rfind("2_Dense/", 0) == 0 || hf.rfind("3_Dense/", 0) == 0) {
      const DenseLayer& d = m.dense[hf[0] == '2' ? 0 : 1];
      const bool bias = hf.size() > 5 && hf.substr(hf.size() - 5) == ".bias";
      if (bias) {
        if (d.bias.empty()) continue;  // optional
        Encode(d.bias.data(), 1, d.bias.size(), GgmlType::kF32, &bytes);
      } else {
        DType stored = DType::kF32;
        for (DType c : {DType::kBF16, DType::kF16, DType::kQ8_0, DType::kQ4_0}) {
          if (d.dtype == DTypeName(c)) stored = c;
        }
        out_type = TargetType(type, spec.name, stored == DType::kQ6_K ? DType::kF32 : stored);
        if (out_type == GgmlType::kQ8_0 || out_type == GgmlType::kQ4_0) {
          if (cols % 32 != 0) out_type = GgmlType::kF32;
        }
        Encode(d.weight.data(), rows, cols, out_type, &bytes);
      }
    } else {
      const TensorView* t = source->Find(prefix + hf);
      if (t == nullptr) throw Error(model_path + ": missing tensor '" + prefix + hf + "'");
      if (t->shape != spec.shape) throw Error(model_path + ": tensor '" + t->name + "' has shape " + t->ShapeString());
      if (spec.shape.size() == 1) {  // norms: f32, stored as 1 + w
        std::vector<float> v = ToF32(*t);
        if (GgufStoresNormPlusOne(hf)) HfNormToGguf(v.data(), v.size());
        Encode(v.data(), 1, v.size(), GgmlType::kF32, &bytes);
      } else {
        out_type = TargetType(type, spec.name, t->dtype);
        if (out_type == GgmlFor(t->dtype)) {
          bytes.assign(t->data, t->data + t->nbytes);  // already in the target type: copy
        } else {
          // Row chunks keep the f32 copy of the 0.2-billion-value embedding table small.
          std::vector<float> chunk;
          for (size_t r0 = 0; r0 < rows; r0 += 4096) {
            const size_t n = std::min<size_t>(4096, rows - r0);
            chunk.resize(n * cols);
            RowsToF32(*t, static_cast<int64_t>(r0), static_cast<int64_t>(n), chunk.data());
            Encode(chunk.data(), n, cols, out_type, &bytes);
          }
        }
      }
    }
    result.bytes += bytes.size();
    ++result.tensors;
    w.AddTensor(spec.name, out_type, spec.shape, std::move(bytes));
  }
  w.Write(out_path);
  return result;
}

}  // namespace gembed
