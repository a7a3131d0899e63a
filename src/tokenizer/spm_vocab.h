// SentencePiece vocabularies in the form GGUF files carry them (tokenizer.ggml.model =
// "llama": tokens, scores and token types, no merges), turned into a Tokenizer that
// tokenises exactly like the tokenizer.json Hugging Face makes from the same SentencePiece
// model, and back.
//
// HF's SentencePiece → tokenizers converter (transformers `generate_merges`) derives the BPE
// merges from the piece scores: every split of a piece into two pieces of the vocabulary is
// a merge; merges are ordered by the merged piece's score (highest first), then by the left
// part's length in characters (longest first), then the right part's, then by the merged
// piece's id, then the parts' ids. TokenizerFromSpmVocab derives its merge ranks the same way.
//
// llama.cpp's converter (convert_hf_to_gguf.py `_create_vocab_sentencepiece`) changes the
// added tokens of tokenizer_config.json on the way: their score becomes -1000, their type
// CONTROL (special, or looks special: <mask>, <unused…>) or USER_DEFINED, and "▁" inside
// USER_DEFINED tokens becomes " ". The reader undoes both: USER_DEFINED tokens get their "▁"
// back, and CONTROL/USER_DEFINED tokens count with score 0 (SentencePiece's score for such
// pieces) when merges are derived. Gemma 3's tokenizer.json is consistent with exactly this:
// its merges are all the two-piece splits of its pieces; the first 1,396 build the added
// whitespace runs and the first normal piece "▁t" (all score 0), the rest follow piece ids.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace gembed {

// llama.cpp's token types (gguf-py TokenType, llama_token_type).
enum class SpmTokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// The tokenizer.ggml.* metadata of a GGUF file. Absent optional keys take llama.cpp's
// defaults for SentencePiece vocabularies (bos 1, eos 2, add_bos true, add_eos false,
// add_space_prefix true).
struct SpmVocab {
  std::string model = "llama";      // tokenizer.ggml.model
  std::vector<std::string> tokens;  // tokenizer.ggml.tokens, by id
  std::vector<float> scores;        // tokenizer.ggml.scores; empty = all 0
  std::vector<int32_t> types;       // tokenizer.ggml.token_type (SpmTokenType); empty = all normal
  // tokenizer.ggml.merges ("left right", rank = index): when present they are used instead
  // of deriving merges from the scores. SpmVocabFromTokenizer writes them only when no
  // choice of scores reproduces the tokenizer's merge order.
  std::vector<std::string> merges;
  std::optional<int32_t> bos_id, eos_id, unk_id, pad_id;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
};

// Builds the tokenizer; `where` (a file path) prefixes every error. Throws gembed::Error
// for another tokenizer model, inconsistent array lengths, duplicate or invalid UTF-8
// tokens, NaN scores, ids out of range, or merges naming unknown tokens.
std::unique_ptr<Tokenizer> TokenizerFromSpmVocab(const SpmVocab& vocab, const std::string& where);

// The vocabulary of a tokenizer.json-built Tokenizer of the SentencePiece kind (Gemma's:
// normalizer " " → "▁", byte fallback, fuse_unk, decoder "▁" → " " + ByteFallback + Fuse),
// written with llama.cpp's conventions (added tokens: score -1000, CONTROL if special else
// USER_DEFINED with "▁" → " "; "<0xNN>" BYTE) and scores from which the derivation above
// gives back the tokenizer's merges in the same order. `max_tokens` >= 0 keeps only ids
// below it (a GGUF model's token list must match its embedding rows: Gemma 3's
// <image_soft_token>, id 262144, lies past them). Throws gembed::Error for a tokenizer
// whose pipeline a SentencePiece vocabulary cannot express.
SpmVocab SpmVocabFromTokenizer(const Tokenizer& tokenizer, int32_t max_tokens = -1);

// One BPE merge, by token ids.
struct SpmMerge {
  int32_t left;
  int32_t right;
  int32_t merged;
  bool operator==(const SpmMerge&) const = default;
};
// The tokenizer's merges in rank order (lowest rank, i.e. first applied, first).
std::vector<SpmMerge> ListMerges(const Tokenizer& tokenizer);

}  // namespace gembed
