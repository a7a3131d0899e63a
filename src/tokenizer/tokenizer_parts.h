// What a loaded tokenizer.json consists of; filled by LoadTokenizerJson and owned by
// Tokenizer::Impl. Kept apart from the loader so tokenizer.cc does not see simdjson.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"

namespace gembed::tok {

struct TokenizerParts {
  BpeModel model;
  AddedVocabulary added;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  Decoder decoder;
  std::vector<int32_t> prefix_ids;  // post-processor template before / after $A
  std::vector<int32_t> suffix_ids;
  int32_t vocab_size = 0;  // max id + 1 over the model vocabulary and the added tokens
};

// Reads tokenizer.json into *parts. Throws gembed::Error naming the file, the JSON key and
// the problem; components of unsupported types are refused, never approximated.
void LoadTokenizerJson(const std::string& path, TokenizerParts* parts);

}  // namespace gembed::tok
