// Gemma 3's tokenizer, read from a Hugging Face tokenizer.json.
//
// Reproduces HF `tokenizers` exactly for the components the Gemma 3 / EmbeddingGemma file
// declares: added tokens matched in the raw text first (leftmost-longest, as HF does), the
// normalizer (Replace " " → "▁"), the pre-tokenizer (Split on " ", a no-op after the
// normalizer), BPE with merges by rank + byte fallback + fuse_unk, the TemplateProcessing
// post-processor (EmbeddingGemma's `<bos> $A <eos>`), and the decoder
// (Replace "▁" → " ", ByteFallback, Fuse). Components of any other type are refused with
// an error naming them, rather than silently tokenising differently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gembed {

namespace tok {
struct TokenizerParts;
}

class Tokenizer {
 public:
  // Loads tokenizer.json. Throws gembed::Error naming the file and what is wrong
  // (missing file, malformed JSON, unsupported component type, inconsistent vocab).
  static std::unique_ptr<Tokenizer> FromFile(const std::string& path);
  ~Tokenizer();

  // Token ids of `text` without the post-processor's special tokens (HF
  // `add_special_tokens=False`). Throws gembed::Error on invalid UTF-8 (with byte offset).
  std::vector<int32_t> Encode(std::string_view text) const;

  // The post-processor's template around a single sequence (HF `add_special_tokens=True`):
  // for EmbeddingGemma, prefix = {2} (<bos>) and suffix = {1} (<eos>). Empty when the file
  // has no post-processor.
  const std::vector<int32_t>& prefix_ids() const;
  const std::vector<int32_t>& suffix_ids() const;
  // Replaces the template (before the tokenizer is shared between threads): HF's
  // GemmaTokenizerFast rebuilds it from tokenizer_config.json's add_bos_token /
  // add_eos_token, which therefore win over tokenizer.json's post-processor.
  void SetTemplate(std::vector<int32_t> prefix, std::vector<int32_t> suffix);

  // Text of ids, as HF `decode(ids, skip_special_tokens=skip_special)`.
  std::string Decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // The vocabulary string of an id (e.g. "▁the", "<0x0A>", "<bos>"); throws for an id
  // outside the vocabulary.
  std::string_view Piece(int32_t id) const;
  int32_t vocab_size() const;  // ids are 0 .. vocab_size()-1 (added tokens included)
  // Id of a token string, or -1.
  int32_t TokenToId(std::string_view token) const;
  bool IsSpecial(int32_t id) const;

  // For loaders of other formats (tokenizer/spm_vocab.h builds one from the SentencePiece
  // vocabulary of a GGUF file): a tokenizer whose parts `fill` sets up, and read access to
  // the parts of a loaded one (to export them).
  static std::unique_ptr<Tokenizer> FromParts(const std::function<void(tok::TokenizerParts*)>& fill);
  const tok::TokenizerParts& parts() const;

 private:
  Tokenizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gembed
