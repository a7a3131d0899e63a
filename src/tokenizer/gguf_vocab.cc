#include "tokenizer/gguf_vocab.h"

#include <string>

#include "base/error.h"

namespace gembed {
namespace {

constexpr const char* kModel = "tokenizer.ggml.model";
constexpr const char* kPre = "tokenizer.ggml.pre";
constexpr const char* kTokens = "tokenizer.ggml.tokens";
constexpr const char* kScores = "tokenizer.ggml.scores";
constexpr const char* kTypes = "tokenizer.ggml.token_type";
constexpr const char* kMerges = "tokenizer.ggml.merges";
constexpr const char* kBos = "tokenizer.ggml.bos_token_id";
constexpr const char* kEos = "tokenizer.ggml.eos_token_id";
constexpr const char* kUnk = "tokenizer.ggml.unknown_token_id";
constexpr const char* kPad = "tokenizer.ggml.padding_token_id";
constexpr const char* kAddBos = "tokenizer.ggml.add_bos_token";
constexpr const char* kAddEos = "tokenizer.ggml.add_eos_token";
constexpr const char* kAddSpacePrefix = "tokenizer.ggml.add_space_prefix";

std::optional<int32_t> OptionalId(const GgufFile& f, const char* key) {
  if (!f.Has(key)) return std::nullopt;
  const uint32_t id = f.GetU32(key);
  if (id > static_cast<uint32_t>(INT32_MAX)) throw f.Fail(std::string(key) + " = " + std::to_string(id) + " is out of range");
  return static_cast<int32_t>(id);
}

std::optional<bool> OptionalBool(const GgufFile& f, const char* key) {
  return f.Has(key) ? std::optional<bool>(f.GetBool(key)) : std::nullopt;
}

}  // namespace

SpmVocab ReadGgufVocab(const GgufFile& f) {
  SpmVocab v;
  v.model = std::string(f.GetString(kModel));
  for (std::string_view t : f.GetStringArray(kTokens)) v.tokens.emplace_back(t);
  const size_t n = v.tokens.size();
  // llama.cpp accepts score and type arrays longer than the token list and ignores the rest.
  if (f.Has(kScores)) {
    v.scores = f.GetF32Array(kScores);
    if (v.scores.size() < n) {
      throw f.Fail(std::string(kScores) + " has " + std::to_string(v.scores.size()) + " entries for " +
                   std::to_string(n) + " tokens");
    }
    v.scores.resize(n);
  }
  if (f.Has(kTypes)) {
    v.types = f.GetI32Array(kTypes);
    if (v.types.size() < n) {
      throw f.Fail(std::string(kTypes) + " has " + std::to_string(v.types.size()) + " entries for " +
                   std::to_string(n) + " tokens");
    }
    v.types.resize(n);
  }
  if (f.Has(kMerges)) {
    for (std::string_view m : f.GetStringArray(kMerges)) v.merges.emplace_back(m);
  }
  v.bos_id = OptionalId(f, kBos);
  v.eos_id = OptionalId(f, kEos);
  v.unk_id = OptionalId(f, kUnk);
  v.pad_id = OptionalId(f, kPad);
  v.add_bos = OptionalBool(f, kAddBos);
  v.add_eos = OptionalBool(f, kAddEos);
  v.add_space_prefix = OptionalBool(f, kAddSpacePrefix);
  return v;
}

void WriteGgufVocab(const SpmVocab& v, GgufWriter* w) {
  w->SetString(kModel, v.model);
  w->SetString(kPre, "default");
  w->SetStringArray(kTokens, v.tokens);
  if (!v.scores.empty()) w->SetF32Array(kScores, v.scores);
  if (!v.types.empty()) w->SetI32Array(kTypes, v.types);
  if (!v.merges.empty()) w->SetStringArray(kMerges, v.merges);
  const auto id = [&](const char* key, const std::optional<int32_t>& value) {
    if (value.has_value()) w->SetU32(key, static_cast<uint32_t>(*value));
  };
  id(kBos, v.bos_id);
  id(kEos, v.eos_id);
  id(kUnk, v.unk_id);
  id(kPad, v.pad_id);
  const auto flag = [&](const char* key, const std::optional<bool>& value) {
    if (value.has_value()) w->SetBool(key, *value);
  };
  flag(kAddBos, v.add_bos);
  flag(kAddEos, v.add_eos);
  flag(kAddSpacePrefix, v.add_space_prefix);
}

std::unique_ptr<Tokenizer> TokenizerFromGguf(const GgufFile& f) {
  return TokenizerFromSpmVocab(ReadGgufVocab(f), f.path());
}

}  // namespace gembed
