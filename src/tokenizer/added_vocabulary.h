// The added tokens of tokenizer.json and how HF `tokenizers` cuts them out of the input
// (AddedVocabulary::find_matches): they are matched before the model sees the text, so a
// literal "<bos>" typed by a user becomes id 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/token_trie.h"
#include "tokenizer/vocab.h"

namespace gembed::tok {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;  // HF's default
};

// A piece of the text: an added token (id >= 0) or text for the model (id == -1).
struct Piece {
  size_t begin;
  size_t end;
  int32_t id;
};

class AddedVocabulary {
 public:
  // Adds a token whose content and id the caller has checked are new. `match_form` is
  // the string searched for: the content itself, or for a normalized
  // token the content passed through the normalizer (as HF builds its second trie).
  void Add(AddedToken token, std::string_view match_form);
  void Finish();

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  // The added token with this id, or nullptr.
  const AddedToken* ById(int32_t id) const;
  const AddedToken* ByContent(std::string_view content) const;
  int32_t max_id() const { return max_id_; }

  bool has_raw() const { return !raw_.empty(); }
  bool has_normalized() const { return !normalized_.empty(); }
  // Splits raw text on the non-normalized tokens, or normalized text on the normalized
  // ones, appending the pieces in order; text pieces are never empty.
  void SplitRaw(std::string_view text, std::vector<Piece>* out) const {
    Split(text, raw_, out);
  }
  void SplitNormalized(std::string_view text, std::vector<Piece>* out) const {
    Split(text, normalized_, out);
  }

 private:
  void Split(std::string_view text, const TokenTrie& trie, std::vector<Piece>* out) const;

  std::vector<AddedToken> tokens_;
  // (id, index into tokens_), sorted by id: Gemma's 6.4k added tokens reach id 262144,
  // where a table by id would take 1 MB.
  std::vector<std::pair<int32_t, int32_t>> index_by_id_;
  Vocab index_by_content_;            // content → index into tokens_
  TokenTrie raw_;                     // tokens with normalized == false
  TokenTrie normalized_;              // tokens with normalized == true, normalized form
  int32_t max_id_ = -1;
};

}  // namespace gembed::tok
