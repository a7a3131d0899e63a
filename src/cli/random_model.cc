// Random-weight EmbeddingGemma folders (see random_model.h).
#include "cli/random_model.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/thread_pool.h"
#include "embedder/embeddinggemma_prompts.h"
#include "tokenizer/tokenizer.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct Preset {
  int hidden, layers, heads, kv_heads, head_dim, ffn, vocab, sliding_window, query_pre_attn_scalar, dense_mid;
};

// "full" is make_random_model.py's full preset (EmbeddingGemma-300m); "tiny" is the shape of
// the tiny-text fixture: the real vocabulary (so the tokenizer works) with a 32-wide encoder.
Preset GetPreset(const std::string& name) {
  if (name == "full") return {768, 24, 3, 1, 256, 1152, 262144, 512, 256, 3072};
  if (name == "tiny") return {32, 6, 2, 1, 16, 64, 262144, 16, 16, 128};
  throw Error("unknown preset '" + name + "' (full or tiny)");
}

constexpr int kSlidingWindowPattern = 6;  // 5 sliding layers, then 1 full
constexpr int kMaxPositions = 2048;

ordered_json ConfigJson(const Preset& p, const std::string& dtype) {
  ordered_json layer_types = ordered_json::array();
  for (int i = 0; i < p.layers; ++i) layer_types.push_back((i + 1) % kSlidingWindowPattern ? "sliding_attention" : "full_attention");
  // Keys, order and values as make_random_model.py's base_config() (the hub's config.json).
  return {
      {"_sliding_window_pattern", kSlidingWindowPattern},
      {"architectures", {"Gemma3TextModel"}},
      {"attention_bias", false},
      {"attention_dropout", 0.0},
      {"attn_logit_softcapping", nullptr},
      {"bos_token_id", 2},
      {"dtype", dtype == "bf16" ? "bfloat16" : "float32"},
      {"eos_token_id", 1},
      {"final_logit_softcapping", nullptr},
      {"head_dim", p.head_dim},
      {"hidden_activation", "gelu_pytorch_tanh"},
      {"hidden_size", p.hidden},
      {"initializer_range", 0.02},
      {"intermediate_size", p.ffn},
      {"layer_types", layer_types},
      {"max_position_embeddings", kMaxPositions},
      {"model_type", "gemma3_text"},
      {"num_attention_heads", p.heads},
      {"num_hidden_layers", p.layers},
      {"num_key_value_heads", p.kv_heads},
      {"pad_token_id", 0},
      {"query_pre_attn_scalar", p.query_pre_attn_scalar},
      {"rms_norm_eps", 1e-06},
      {"rope_local_base_freq", 10000.0},
      {"rope_scaling", nullptr},
      {"rope_theta", 1000000.0},
      {"sliding_window", p.sliding_window},
      {"transformers_version", "4.57.0.dev0"},
      {"use_bidirectional_attention", true},
      {"use_cache", true},
      {"vocab_size", p.vocab},
  };
}

// EmbeddingGemma-300m's prompts, in the hub's order.
ordered_json PromptsJson() {
  ordered_json j = ordered_json::object();
  for (const auto& [name, text] : EmbeddingGemmaPrompts()) j[name] = text;
  return j;
}

enum class Init { kLinear, kEmbedding, kNorm };

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  Init init;
  uint64_t numel() const {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    return n;
  }
  // Activation-preserving scales (make_random_model.py's init_std).
  float stddev() const {
    if (init == Init::kNorm) return 0.1f;
    return static_cast<float>(1.0 / std::sqrt(static_cast<double>(shape.back())));
  }
};

// The encoder's tensors in HF Gemma3TextModel state_dict order, named as in the hub file.
std::vector<TensorSpec> EncoderTensors(const Preset& p) {
  const int64_t H = p.hidden, I = p.ffn, q = int64_t{p.heads} * p.head_dim, kv = int64_t{p.kv_heads} * p.head_dim;
  std::vector<TensorSpec> t = {{"embed_tokens.weight", {p.vocab, H}, Init::kEmbedding}};
  for (int i = 0; i < p.layers; ++i) {
    const std::string l = "layers." + std::to_string(i) + ".";
    t.push_back({l + "self_attn.q_proj.weight", {q, H}, Init::kLinear});
    t.push_back({l + "self_attn.k_proj.weight", {kv, H}, Init::kLinear});
    t.push_back({l + "self_attn.v_proj.weight", {kv, H}, Init::kLinear});
    t.push_back({l + "self_attn.o_proj.weight", {H, q}, Init::kLinear});
    t.push_back({l + "self_attn.q_norm.weight", {p.head_dim}, Init::kNorm});
    t.push_back({l + "self_attn.k_norm.weight", {p.head_dim}, Init::kNorm});
    t.push_back({l + "mlp.gate_proj.weight", {I, H}, Init::kLinear});
    t.push_back({l + "mlp.up_proj.weight", {I, H}, Init::kLinear});
    t.push_back({l + "mlp.down_proj.weight", {H, I}, Init::kLinear});
    for (const char* norm : {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"}) {
      t.push_back({l + norm + ".weight", {H}, Init::kNorm});
    }
  }
  t.push_back({"norm.weight", {H}, Init::kNorm});
  return t;
}

// --- The generator: splitmix64 streams; each block of kBlock elements of a tensor has its
// own stream seeded from (seed, file-qualified tensor name, block index), so the bytes do not
// depend on the thread count. A normal deviate is the sum of four 16-bit uniforms (the
// Irwin–Hall approximation: mean 0, variance 1, bounded at ±3.46σ): one 64-bit draw each.

constexpr uint64_t kBlock = uint64_t{1} << 20;

inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t HashName(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a
  for (const unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

inline uint16_t Bf16Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);  // round to nearest even (no NaN here)
}

// Writes n values of block `block` of the stream `key` to out (2 or 4 bytes each).
void FillBlock(uint64_t key, uint64_t block, float stddev, bool bf16, uint64_t n, uint8_t* out) {
  uint64_t state = Mix64(key ^ Mix64(block + 0x9E3779B97F4A7C15ull));
  const float scale = stddev * static_cast<float>(std::sqrt(3.0) / 65536.0);
  for (uint64_t i = 0; i < n; ++i) {
    state += 0x9E3779B97F4A7C15ull;
    const uint64_t x = Mix64(state);
    const int32_t sum = static_cast<int32_t>((x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) + (x >> 48)) - 131070;
    const float v = static_cast<float>(sum) * scale;
    if (bf16) {
      const uint16_t b = Bf16Bits(v);
      std::memcpy(out + 2 * i, &b, 2);
    } else {
      std::memcpy(out + 4 * i, &v, 4);
    }
  }
}

class FileWriter {
 public:
  explicit FileWriter(const fs::path& path) : path_(path.string()), f_(std::fopen(path_.c_str(), "wb")) {
    if (f_ == nullptr) throw Error("cannot create " + path_ + ": " + std::strerror(errno));
  }
  ~FileWriter() {
    if (f_ != nullptr) std::fclose(f_);
  }
  void Write(const void* data, size_t n) {
    if (n > 0 && std::fwrite(data, 1, n, f_) != n) throw Error("cannot write " + path_ + ": " + std::strerror(errno));
  }
  void Write(const std::string& s) { Write(s.data(), s.size()); }
  void Close() {
    std::FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) throw Error("cannot write " + path_ + ": " + std::strerror(errno));
  }

 private:
  std::string path_;
  std::FILE* f_;
};

// A safetensors file written tensor by tensor through a bounded buffer (the full model's
// f32 embedding table alone is 805 MB).
uint64_t WriteRandomSafeTensors(const fs::path& path, const std::vector<TensorSpec>& tensors, const std::string& key_prefix,
                                uint64_t seed, bool bf16, ThreadPool& pool) {
  const uint64_t esize = bf16 ? 2 : 4;
  ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const TensorSpec& t : tensors) {
    const uint64_t bytes = t.numel() * esize;
    header[t.name] = {{"dtype", bf16 ? "BF16" : "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // 8-byte aligned data, as the reference writer does
  FileWriter out(path);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>((uint64_t{h.size()} >> (8 * i)) & 0xFF);
  out.Write(len, 8);
  out.Write(h);

  constexpr uint64_t kBlocksPerWindow = 16;
  std::vector<uint8_t> buffer;
  for (const TensorSpec& t : tensors) {
    const uint64_t key = Mix64(seed ^ HashName(key_prefix + t.name));
    const uint64_t numel = t.numel(), blocks = (numel + kBlock - 1) / kBlock;
    for (uint64_t first = 0; first < blocks; first += kBlocksPerWindow) {
      const uint64_t count = std::min(kBlocksPerWindow, blocks - first);
      const uint64_t elems = std::min(numel, (first + count) * kBlock) - first * kBlock;
      buffer.resize(elems * esize);
      pool.ParallelFor(count, [&](size_t begin, size_t end) {
        for (size_t b = begin; b < end; ++b) {
          const uint64_t block = first + b, start = block * kBlock, n = std::min(numel - start, kBlock);
          FillBlock(key, block, t.stddev(), bf16, n, buffer.data() + b * kBlock * esize);
        }
      });
      out.Write(buffer.data(), buffer.size());
    }
  }
  out.Close();
  return 8 + h.size() + offset;
}

class Folder {
 public:
  Folder(fs::path root, RandomModelReport* report) : root_(std::move(root)), report_(report) {}
  void Text(const std::string& name, const std::string& text) {
    FileWriter f(Path(name));
    f.Write(text);
    f.Close();
    Add(name, text.size());
  }
  void Json(const std::string& name, const ordered_json& j) { Text(name, j.dump(2) + "\n"); }
  fs::path Path(const std::string& name) const {
    const fs::path p = root_ / name;
    fs::create_directories(p.parent_path());
    return p;
  }
  void Add(const std::string& name, uint64_t bytes) {
    report_->files.push_back({name, bytes});
    report_->total_bytes += bytes;
  }

 private:
  fs::path root_;
  RandomModelReport* report_;
};

void WriteFolder(const fs::path& dir, const RandomModelOptions& o, RandomModelReport* report) {
  const Preset p = GetPreset(o.preset);
  if (o.dtype != "bf16" && o.dtype != "f32") throw Error("unknown dtype '" + o.dtype + "' (bf16 or f32)");
  const bool bf16 = o.dtype == "bf16";
  ThreadPool pool(o.threads);
  Folder f(dir, report);

  f.Json("config.json", ConfigJson(p, o.dtype));
  const std::vector<TensorSpec> encoder = EncoderTensors(p);
  f.Add("model.safetensors", WriteRandomSafeTensors(f.Path("model.safetensors"), encoder, "", o.seed, bf16, pool));
  for (const TensorSpec& t : encoder) report->parameters += static_cast<long long>(t.numel());

  f.Json("modules.json", ordered_json::array({
                             {{"idx", 0}, {"name", "0"}, {"path", ""}, {"type", "sentence_transformers.models.Transformer"}},
                             {{"idx", 1}, {"name", "1"}, {"path", "1_Pooling"}, {"type", "sentence_transformers.models.Pooling"}},
                             {{"idx", 2}, {"name", "2"}, {"path", "2_Dense"}, {"type", "sentence_transformers.models.Dense"}},
                             {{"idx", 3}, {"name", "3"}, {"path", "3_Dense"}, {"type", "sentence_transformers.models.Dense"}},
                             {{"idx", 4}, {"name", "4"}, {"path", "4_Normalize"}, {"type", "sentence_transformers.models.Normalize"}},
                         }));
  f.Json("sentence_bert_config.json", {{"max_seq_length", kMaxPositions}, {"do_lower_case", false}});
  f.Json("config_sentence_transformers.json",
         {{"model_type", "SentenceTransformer"},
          {"__version__", {{"sentence_transformers", "5.1.0"}, {"transformers", "4.57.0.dev0"}, {"pytorch", "2.8.0"}}},
          {"prompts", PromptsJson()},
          {"default_prompt_name", nullptr},
          {"similarity_fn_name", "cosine"}});
  f.Json("1_Pooling/config.json", {{"word_embedding_dimension", p.hidden},
                                   {"pooling_mode_cls_token", false},
                                   {"pooling_mode_mean_tokens", true},
                                   {"pooling_mode_max_tokens", false},
                                   {"pooling_mode_mean_sqrt_len_tokens", false},
                                   {"pooling_mode_weightedmean_tokens", false},
                                   {"pooling_mode_lasttoken", false},
                                   {"include_prompt", true}});
  const std::pair<const char*, std::pair<int, int>> dense[] = {{"2_Dense", {p.hidden, p.dense_mid}}, {"3_Dense", {p.dense_mid, p.hidden}}};
  for (const auto& [sub, io] : dense) {
    const std::string s = sub;
    f.Json(s + "/config.json", {{"in_features", io.first},
                                {"out_features", io.second},
                                {"bias", false},
                                {"activation_function", "torch.nn.modules.linear.Identity"}});
    const std::vector<TensorSpec> w = {{"linear.weight", {io.second, io.first}, Init::kLinear}};
    f.Add(s + "/model.safetensors", WriteRandomSafeTensors(f.Path(s + "/model.safetensors"), w, s + "/", o.seed, bf16, pool));
    report->parameters += static_cast<long long>(w[0].numel());
  }
  fs::create_directories(dir / "4_Normalize");  // as the hub has it: a module folder with no files

  if (o.tokenizer.empty()) {
    f.Text("tokenizer.json", SyntheticTokenizerJson(p.vocab));
  } else {
    std::error_code ec;
    fs::copy_file(o.tokenizer, f.Path("tokenizer.json"), ec);
    if (ec) throw Error("cannot copy tokenizer " + o.tokenizer + ": " + ec.message());
    f.Add("tokenizer.json", fs::file_size(dir / "tokenizer.json"));
  }
  f.Text("tokenizer_config.json", EmbeddingGemmaTokenizerConfigJson());
  f.Text("special_tokens_map.json", EmbeddingGemmaSpecialTokensMapJson());
  // The tokenizer must load with gembed's tokenizer. (Its id count may exceed the model's
  // vocabulary: Gemma 3's file has 262145 ids, <image_soft_token> = 262144, as on the hub.)
  const auto tok = Tokenizer::FromFile((dir / "tokenizer.json").string());
  if (tok->TokenToId("<bos>") != 2 || tok->TokenToId("<eos>") != 1 || tok->TokenToId("<pad>") != 0) {
    throw Error("tokenizer " + o.tokenizer + " does not have Gemma's special tokens (<pad>=0, <eos>=1, <bos>=2)");
  }
  if (tok->Encode("Hello world").empty()) throw Error("tokenizer " + o.tokenizer + " encodes \"Hello world\" to nothing");

  f.Json("random_model.json",
         {{"generator", "gembed init-random"},
          {"preset", o.preset},
          {"dtype", o.dtype},
          {"seed", o.seed},
          {"tokenizer", o.tokenizer.empty() ? std::string("synthetic") : "copied from " + o.tokenizer},
          {"note", "Random weights in google/embeddinggemma-300m's layout, for tests and benchmarks: the embeddings mean nothing."}});
}

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1000) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    const char* units[] = {"kB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes) / 1000;
    int u = 0;
    while (v >= 1000 && u < 3) v /= 1000, ++u;
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

RandomModelReport CreateRandomModel(const std::string& dir, const RandomModelOptions& options, bool force) {
  const auto start = std::chrono::steady_clock::now();
  if (dir.empty()) throw Error("no folder given");
  GetPreset(options.preset);  // check the options before touching the disk
  if (options.dtype != "bf16" && options.dtype != "f32") throw Error("unknown dtype '" + options.dtype + "' (bf16 or f32)");
  if (!options.tokenizer.empty() && !fs::is_regular_file(options.tokenizer)) {
    throw Error("tokenizer file " + options.tokenizer + " does not exist");
  }
  fs::path target = fs::absolute(dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "out/" → "out"
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(target));
  if (exists) {
    if (!fs::is_directory(target)) throw Error(dir + " exists and is not a folder");
    if (!fs::is_empty(target) && !force) throw Error(dir + " exists and is not empty (--force replaces it)");
  }
  const fs::path parent = target.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw Error("cannot create " + parent.string() + ": " + ec.message());
  // Hidden siblings on the same file system (rename is atomic): .NAME.tmp-PID, .NAME.old-PID.
  auto sibling = [&](const char* kind) {
    std::string name(1, '.');
    name.append(target.filename().string()).append(kind).append(std::to_string(::getpid()));
    return parent / name;
  };
  const fs::path tmp = sibling(".tmp-");
  fs::remove_all(tmp);
  if (!fs::create_directory(tmp, ec) || ec) throw Error("cannot create " + tmp.string() + ": " + ec.message());
  struct RemoveOnExit {
    fs::path path;
    ~RemoveOnExit() {
      std::error_code ignored;
      if (!path.empty()) fs::remove_all(path, ignored);
    }
  } cleanup{tmp};

  RandomModelReport report;
  report.dir = target.string();
  WriteFolder(tmp, options, &report);

  if (exists && !fs::is_empty(target)) {  // --force: swap the finished folder in, then drop the old one
    const fs::path old = sibling(".old-");
    fs::remove_all(old);
    fs::rename(target, old, ec);
    if (ec) throw Error("cannot move the old " + dir + " aside: " + ec.message());
    fs::rename(tmp, target, ec);
    if (ec) {
      std::error_code ignored;
      fs::rename(old, target, ignored);
      throw Error("cannot rename " + tmp.string() + " to " + dir + ": " + ec.message());
    }
    fs::remove_all(old, ec);
  } else {
    fs::rename(tmp, target, ec);  // replaces an empty folder; fails if another process filled it meanwhile
    if (ec) throw Error("cannot rename " + tmp.string() + " to " + dir + ": " + ec.message());
  }
  cleanup.path.clear();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace gembed::cli
