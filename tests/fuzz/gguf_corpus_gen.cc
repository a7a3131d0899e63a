// Writes the seed files of tests/fuzz/gguf_corpus/: small valid GGUF files that between
// them use every metadata type, several tensor types and alignments, both versions, and
// micro EmbeddingGemma models with tokenizers (scores-derived and explicit merges), so
// that mutations reach every reader. Usage: gguf_corpus_gen OUTDIR
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "io/gguf_writer.h"
#include "model/gguf_model.h"
#include "tokenizer/gguf_vocab.h"

namespace gembed {
namespace {

std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 2654435761u + seed) >> 7);
  return b;
}

std::vector<uint8_t> Floats(size_t n, float scale) {
  std::vector<uint8_t> b(n * 4);
  for (size_t i = 0; i < n; ++i) {
    const float v = scale * static_cast<float>(static_cast<int>((i * 37) % 17) - 8) / 8.0f;
    std::memcpy(&b[4 * i], &v, 4);
  }
  return b;
}

SpmVocab MicroVocab(bool merges) {
  SpmVocab v;
  v.tokens = {"<pad>", "<eos>", "<bos>", "<unk>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "  ", "<0x41>",
              "<start_of_turn>"};
  v.scores = {0, 0, 0, 0, -1, -2, -3, -4, -5, -1000, 0, -1000};
  v.types = {3, 3, 3, 3, 1, 1, 1, 1, 1, 4, 6, 3};
  if (merges) v.merges = {"a b", "\xE2\x96\x81 a", "\xE2\x96\x81 \xE2\x96\x81"};
  v.bos_id = 2;
  v.eos_id = 1;
  v.unk_id = 3;
  v.pad_id = 0;
  v.add_bos = true;
  v.add_eos = true;
  v.add_space_prefix = false;
  return v;
}

// A 1-layer model whose 2-D weights are `type` (F32 or Q8_0) and norms F32.
std::vector<uint8_t> MicroModel(int hidden, int head_dim, GgmlType type, bool dense, bool merges) {
  GgufModelInfo info;
  ModelConfig& c = info.config;
  c.hidden_size = hidden;
  c.num_layers = 1;
  c.num_heads = 2;
  c.num_kv_heads = 1;
  c.head_dim = head_dim;
  c.intermediate_size = hidden;
  c.vocab_size = 12;
  c.sliding_window = 4;
  c.layer_types = {LayerType::kSliding};
  c.query_pre_attn_scalar = head_dim;
  c.max_position_embeddings = 64;
  info.name = "micro";
  info.has_dense = dense;
  info.dense_hidden = dense ? 2 * hidden : 0;
  info.prompts = {{"query", "task: search result | query: "}};
  GgufWriter w;
  WriteGgufModelMetadata(info, &w);
  WriteGgufVocab(MicroVocab(merges), &w);
  uint32_t seed = 1;
  for (const GgufTensorSpec& s : ExpectedGgufTensors(c, info.dense_hidden)) {
    size_t numel = 1;
    for (int64_t d : s.shape) numel *= static_cast<size_t>(d);
    if (s.shape.size() == 2 && type == GgmlType::kQ8_0) {
      w.AddTensor(s.name, type, s.shape, Pattern(numel / 32 * 34, seed++));
    } else {
      w.AddTensor(s.name, GgmlType::kF32, s.shape, Floats(numel, s.shape.size() == 1 ? 1.0f : 0.1f));
    }
  }
  return w.ToBytes();
}

std::vector<uint8_t> AllMetadataTypes() {
  GgufWriter w;
  w.SetU8("t.u8", 200);
  w.SetI8("t.i8", -3);
  w.SetU16("t.u16", 65000);
  w.SetI16("t.i16", -300);
  w.SetU32("t.u32", 70000);
  w.SetI32("t.i32", -70000);
  w.SetU64("t.u64", 1ull << 40);
  w.SetI64("t.i64", -(1ll << 40));
  w.SetF32("t.f32", 1.5f);
  w.SetF64("t.f64", -2.25);
  w.SetBool("t.bool", true);
  w.SetString("t.str", "gemma");
  const uint8_t u8[] = {1, 2, 3};
  w.SetArray("a.u8", GgufType::kU8, u8, 3);
  const int16_t i16[] = {-1, 1};
  w.SetArray("a.i16", GgufType::kI16, i16, 2);
  const uint64_t u64[] = {5, 6};
  w.SetArray("a.u64", GgufType::kU64, u64, 2);
  w.SetI32Array("a.i32", {1, -1, 7});
  w.SetF32Array("a.f32", {0.5f, 2.0f});
  const double f64[] = {1e-3};
  w.SetArray("a.f64", GgufType::kF64, f64, 1);
  w.SetBoolArray("a.bool", {false, true});
  w.SetStringArray("a.str", std::vector<std::string>{"x", "", "\xE2\x96\x81y"});
  return w.ToBytes();
}

std::vector<uint8_t> MixedTensors() {
  GgufWriter w;
  w.SetString("general.architecture", "test");
  w.AddTensor("f32", GgmlType::kF32, {2, 3}, Floats(6, 1));
  w.AddTensor("f16", GgmlType::kF16, {4}, Pattern(8, 2));
  w.AddTensor("bf16", GgmlType::kBF16, {1, 2, 2}, Pattern(8, 3));
  w.AddTensor("q8_0", GgmlType::kQ8_0, {2, 32}, Pattern(68, 4));
  w.AddTensor("q4_0", GgmlType::kQ4_0, {32}, Pattern(18, 5));
  w.AddTensor("q6_k", GgmlType::kQ6_K, {256}, Pattern(210, 6));
  w.AddTensor("i32", GgmlType::kI32, {1, 1, 1, 3}, Pattern(12, 7));
  return w.ToBytes();
}

// Version 2, alignment 64: laid out by hand (the writer makes v3 files aligned to 32).
std::vector<uint8_t> Version2Aligned64() {
  std::vector<uint8_t> b;
  auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); };
  auto u64 = [&](uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i))); };
  auto str = [&](const std::string& s) { u64(s.size()); b.insert(b.end(), s.begin(), s.end()); };
  for (const char c : std::string("GGUF")) b.push_back(static_cast<uint8_t>(c));
  u32(2);
  u64(2);  // tensors
  u64(2);  // metadata
  str("general.alignment");
  u32(4);
  u32(64);
  str("general.name");
  u32(8);
  str("v2");
  str("a");
  u32(1);
  u64(8);
  u32(0);
  u64(0);
  str("b");
  u32(2);
  u64(32);
  u64(1);
  u32(8);  // Q8_0
  u64(64);
  while (b.size() % 64) b.push_back(0);
  const std::vector<uint8_t> a = Floats(8, 1), q = Pattern(34, 9);
  b.insert(b.end(), a.begin(), a.end());
  while (b.size() % 64) b.push_back(0);
  b.insert(b.end(), q.begin(), q.end());
  return b;
}

void Save(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
}

}  // namespace
}  // namespace gembed

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  using namespace gembed;
  const std::string dir = argv[1];
  Save(dir, "seed_empty.gguf", GgufWriter().ToBytes());
  Save(dir, "seed_metadata_types.gguf", AllMetadataTypes());
  Save(dir, "seed_tensor_types.gguf", MixedTensors());
  Save(dir, "seed_v2_align64.gguf", Version2Aligned64());
  Save(dir, "seed_micro_model.gguf", MicroModel(8, 4, GgmlType::kF32, true, false));
  Save(dir, "seed_micro_model_merges.gguf", MicroModel(8, 4, GgmlType::kF32, true, true));
  Save(dir, "seed_micro_model_q8_nodense.gguf", MicroModel(32, 16, GgmlType::kQ8_0, false, false));
  return 0;
}
