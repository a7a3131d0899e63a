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
  const std::pair<int32_t, int32_t> entry(token.id, index);
  if (index_by_id_.empty() || index_by_id_.back().first < token.id) {
    index_by_id_.push_back(entry);  // ids mostly come in order
  } else {
    index_by_id_.insert(std::lower_bound(index_by_id_.begin(), index_by_id_.end(), entry), entry);
  }
  max_id_ = std::max(max_id_, token.id);
  index_by_content_.Add(token.content, index);
  (token.normalized ? normalized_ : raw_).Add(match_form, index);
  tokens_.push_back(std::move(token));
}

void AddedVocabulary::Finish() {
  raw_.Finish();
  normalized_.Finish();
  tokens_.shrink_to_fit();
  index_by_id_.shrink_to_fit();
}

const AddedToken* AddedVocabulary::ById(int32_t id) const {
  if (id < 0 || id > max_id_) return nullptr;
  const auto it = std::lower_bound(index_by_id_.begin(), index_by_id_.end(),
                                   std::pair<int32_t, int32_t>(id, -1));
  return it != index_by_id_.end() && it->first == id ? &tokens_[it->second] : nullptr;
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
