// The Tokenizer facade: the HF encode pipeline (added tokens → normalizer → pre-tokenizer
// → BPE) and decode, over the parts loaded from tokenizer.json.
#include "tokenizer/tokenizer.h"

#include <string>
#include <utility>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/tokenizer_parts.h"

namespace gembed {

struct Tokenizer::Impl : tok::TokenizerParts {};

namespace {

// Working memory for one Encode call, so the segments of one text share allocations
// while concurrent calls on the same Tokenizer share nothing.
struct EncodeScratch {
  std::vector<tok::Piece> normalized_pieces;
  std::vector<std::string_view> words;
  std::string normalized;
  tok::BpeScratch bpe;
};

// Normalizer → normalized added tokens → pre-tokenizer → BPE, for one stretch of raw
// text between (non-normalized) added tokens; HF normalises each such stretch on its own.
void EncodeText(const tok::TokenizerParts& p, std::string_view text, EncodeScratch* s,
                std::vector<int32_t>* ids) {
  std::string_view normalized = text;
  if (!p.normalizer.empty()) {
    p.normalizer.Apply(text, &s->normalized);
    normalized = s->normalized;
  }
  s->normalized_pieces.clear();
  if (p.added.has_normalized()) {
    p.added.SplitNormalized(normalized, &s->normalized_pieces);
  } else {
    s->normalized_pieces.push_back({0, normalized.size(), -1});
  }
  for (const tok::Piece& piece : s->normalized_pieces) {
    if (piece.id >= 0) {
      ids->push_back(piece.id);
      continue;
    }
    s->words.clear();
    p.pre_tokenizer.Apply(normalized.substr(piece.begin, piece.end - piece.begin), &s->words);
    for (std::string_view word : s->words) p.model.Tokenize(word, &s->bpe, ids);
  }
}

}  // namespace

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::FromFile(const std::string& path) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  tok::LoadTokenizerJson(path, t->impl_.get());
  return t;
}

std::unique_ptr<Tokenizer> Tokenizer::FromParts(const std::function<void(tok::TokenizerParts*)>& fill) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  fill(t->impl_.get());
  return t;
}

const tok::TokenizerParts& Tokenizer::parts() const { return *impl_; }

std::vector<int32_t> Tokenizer::Encode(std::string_view text) const {
  CheckUtf8(text, "text");
  std::vector<int32_t> ids;
  if (text.empty()) return ids;
  ids.reserve(text.size() / 3 + 4);
  EncodeScratch scratch;
  if (!impl_->added.has_raw()) {
    EncodeText(*impl_, text, &scratch, &ids);
    return ids;
  }
  std::vector<tok::Piece> pieces;
  impl_->added.SplitRaw(text, &pieces);
  for (const tok::Piece& piece : pieces) {
    if (piece.id >= 0) {
      ids.push_back(piece.id);
    } else {
      EncodeText(*impl_, text.substr(piece.begin, piece.end - piece.begin), &scratch, &ids);
    }
  }
  return ids;
}

const std::vector<int32_t>& Tokenizer::prefix_ids() const { return impl_->prefix_ids; }
const std::vector<int32_t>& Tokenizer::suffix_ids() const { return impl_->suffix_ids; }

void Tokenizer::SetTemplate(std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
  impl_->prefix_ids = std::move(prefix);
  impl_->suffix_ids = std::move(suffix);
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    // HF silently drops unknown ids; an engine passing one has a bug worth reporting.
    if (ids[k] < 0 || ids[k] >= impl_->vocab_size) {
      throw Error("Decode: id " + std::to_string(ids[k]) + " at index " + std::to_string(k) +
                  " is outside the vocabulary (0.." + std::to_string(impl_->vocab_size - 1) +
                  ")");
    }
    if (skip_special && IsSpecial(ids[k])) continue;
    tokens.emplace_back(Piece(ids[k]));
  }
  return impl_->decoder.Decode(std::move(tokens));
}

std::string_view Tokenizer::Piece(int32_t id) const {
  if (const tok::AddedToken* added = impl_->added.ById(id)) return added->content;
  if (impl_->model.vocab().Has(id)) return impl_->model.vocab().Piece(id);
  throw Error("token id " + std::to_string(id) + " is not in the vocabulary (ids 0.." +
              std::to_string(impl_->vocab_size - 1) + ")");
}

int32_t Tokenizer::vocab_size() const { return impl_->vocab_size; }

int32_t Tokenizer::TokenToId(std::string_view token) const {
  if (const tok::AddedToken* added = impl_->added.ByContent(token)) return added->id;
  return impl_->model.vocab().Find(token);
}

bool Tokenizer::IsSpecial(int32_t id) const {
  const tok::AddedToken* added = impl_->added.ById(id);
  return added != nullptr && added->special;
}

}  // namespace gembed
