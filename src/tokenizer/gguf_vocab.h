// The tokenizer of a GGUF file: its tokenizer.ggml.* metadata read into an SpmVocab (and
// written from one), and the Tokenizer built from it (tokenizer/spm_vocab.h).
//
//   tokenizer.ggml.model              string   "llama" (SentencePiece; the only kind supported)
//   tokenizer.ggml.pre                string   "default" (written; not read for SentencePiece)
//   tokenizer.ggml.tokens             [string] by id
//   tokenizer.ggml.scores             [f32]    (i32 accepted, as llama.cpp does)
//   tokenizer.ggml.token_type         [i32]    SpmTokenType
//   tokenizer.ggml.merges             [string] optional, "left right"
//   tokenizer.ggml.{bos,eos,unknown,padding}_token_id   u32
//   tokenizer.ggml.add_{bos,eos}_token, tokenizer.ggml.add_space_prefix   bool
#pragma once

#include <memory>

#include "io/gguf_file.h"
#include "io/gguf_writer.h"
#include "tokenizer/spm_vocab.h"
#include "tokenizer/tokenizer.h"

namespace gembed {

// Throws gembed::Error naming the file and key for missing or mistyped entries.
SpmVocab ReadGgufVocab(const GgufFile& file);
void WriteGgufVocab(const SpmVocab& vocab, GgufWriter* writer);
// ReadGgufVocab + TokenizerFromSpmVocab.
std::unique_ptr<Tokenizer> TokenizerFromGguf(const GgufFile& file);

}  // namespace gembed
