#include "tokenizer/added_vocabulary.h"

#include <algorithm>

#include "tokenizer/utf8_chars.h"

namespace gembed::tok {
namespace {

// HF space_leftmost_at_end: the end of the last non-whitespace character of s, or 0.
size_t EndOfLastNonSpace(std::string_view s) {
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    i += Utf8Decode(s, i, &cp);
    if (!IsRustWhitespace(cp)) end = i;
  }
  return end;
}

// HF space_rightmost_at_start: the start of the first non-whitespace character of s, or
// s.size().
size_t StartOfFirstNonSpace(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t len = Utf8Decode(s, i, &cp);
    if (!IsRustWhitespace(cp)) return i;
    i += len;
  }
  return s.size();
}

}  // namespace

void AddedVocabulary::Add(AddedToken token, std::string_view match_form) {
  const auto index = static_cast<int32_t>(tokens_.size());
  if (static_cast<size_t>(token.id) >= index_by_id_.size()) {
    index_by_id_.resize(static_cast<size_t>(token.id) + 1, -1);
  }
  index_by_id_[token.id] = index;
  max_id_ = std::max(max_id_, token.id);
  index_by_content_.Add(token.content, index);
  (token.normalized ? normalized_ : raw_).Add(match_form, index);
  tokens_.push_back(std::move(token));
}

void AddedVocabulary::Finish() {
  raw_.Finish();
  normalized_.Finish();
}

const AddedToken* AddedVocabulary::ById(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= index_by_id_.size() || index_by_id_[id] < 0) {
    return nullptr;
  }
  return &tokens_[index_by_id_[id]];
}

const AddedToken* AddedVocabulary::ByContent(std::string_view content) const {
  const int32_t index = index_by_content_.Find(content);
  return index < 0 ? nullptr : &tokens_[index];
}

// HF AddedVocabulary::find_matches. With lstrip/rstrip a token also takes the whitespace
// around it; the search itself still resumes at the end of the literal match, as the
// Aho-Corasick iterator does, and text between tokens is emitted only when non-empty.
void AddedVocabulary::Split(std::string_view text, const TokenTrie& trie,
                            std::vector<Piece>* out) const {
  size_t emitted = 0;  // HF's start_offset
  TrieMatch m;
  for (size_t from = 0; trie.FindNext(text, from, &m); from = m.end) {
    const AddedToken& token = tokens_[m.value];
    size_t start = m.begin;
    size_t stop = m.end;
    if (token.lstrip) start = std::max(EndOfLastNonSpace(text.substr(0, start)), emitted);
    if (token.rstrip) stop += StartOfFirstNonSpace(text.substr(stop));
    if (emitted < start) out->push_back({emitted, start, -1});
    out->push_back({start, stop, token.id});
    emitted = stop;
  }
  if (emitted < text.size()) out->push_back({emitted, text.size(), -1});
}

}  // namespace gembed::tok
