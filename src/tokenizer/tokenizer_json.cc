// tokenizer.json → TokenizerParts. Each component is checked against what this engine
// implements exactly; anything else is refused with the JSON key that holds it.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "tokenizer/json_fields.h"
#include "tokenizer/tokenizer_parts.h"

namespace gembed::tok {
namespace {

namespace dom = simdjson::dom;

constexpr int64_t kMaxId = int64_t{1} << 26;

std::string At(const std::string& where, size_t index) {
  return where + "[" + std::to_string(index) + "]";
}

// A {"String": "..."} pattern. HF also allows {"Regex": ...}, which would need an
// Oniguruma-compatible engine to reproduce, so it is refused.
std::string LiteralPattern(const JsonFile& f, dom::object o, const std::string& where) {
  const std::string at = where + ".pattern";
  const dom::object pattern = f.Object(f.Required(o, "pattern", where), at);
  dom::element e;
  if (JsonFile::Field(pattern, "String", &e)) {
    std::string s(f.String(e, at + ".String"));
    if (s.empty()) f.Fail(at + ".String", "an empty pattern is not supported");
    return s;
  }
  if (JsonFile::Field(pattern, "Regex", &e)) {
    f.Fail(at, "Regex patterns are not supported (only String patterns)");
  }
  f.Fail(at, "expected {\"String\": ...}");
}

void LoadVocab(const JsonFile& f, dom::element e, Vocab* vocab) {
  const dom::object o = f.Object(e, "model.vocab");
  const size_t n = o.size();
  std::vector<std::string_view> tokens;
  std::vector<int32_t> ids;
  tokens.reserve(n);
  ids.reserve(n);
  size_t bytes = 0;
  for (const dom::key_value_pair kv : o) {
    int64_t id;
    // Ids index flat tables, so an absurd id would be an absurd allocation: cap them.
    if (kv.value.get(id) || id < 0 || id >= kMaxId) {
      f.Fail("model.vocab[" + Quote(kv.key) + "]",
             "expected an id from 0 to " + std::to_string(kMaxId - 1));
    }
    tokens.push_back(kv.key);
    ids.push_back(static_cast<int32_t>(id));
    bytes += kv.key.size();
  }
  vocab->Reserve(n, bytes);
  // Prefetch the slots a few inserts ahead, so that the table's cache misses overlap.
  constexpr size_t kAhead = 16;
  std::vector<uint64_t> hashes(n);
  for (size_t i = 0; i < n; ++i) hashes[i] = HashBytes(tokens[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) vocab->PrefetchSlot(hashes[i + kAhead]);
    switch (vocab->Add(tokens[i], ids[i], hashes[i])) {
      case Vocab::AddResult::kAdded:
        break;
      case Vocab::AddResult::kDuplicateToken:
        f.Fail("model.vocab[" + Quote(tokens[i]) + "]", "the token is listed twice");
      case Vocab::AddResult::kDuplicateId:
        f.Fail("model.vocab[" + Quote(tokens[i]) + "]",
               "id " + std::to_string(ids[i]) + " is also the id of " + Quote(vocab->Piece(ids[i])));
    }
  }
}

// Merges are [left, right] pairs (current files) or "left right" strings (older files).
// Rank = position in the list; HF requires left, right and left+right in the vocabulary.
// All 3 x 515k lookups go to Vocab::FindMany at once: they dominate the load time.
void LoadMerges(const JsonFile& f, dom::element e, const Vocab& vocab, MergeMap* merges) {
  const dom::array list = f.Array(e, "model.merges");
  const size_t n = list.size();
  // parts[3i], parts[3i+1], parts[3i+2] = left, right, left+right of merge i.
  std::vector<std::string_view> parts(3 * n);
  std::string joined;  // the left+right strings, back to back
  std::vector<size_t> joined_end(n);
  size_t i = 0;
  for (const dom::element item : list) {
    const auto where = [&] { return At("model.merges", i); };  // built only for errors
    std::string_view left, right;
    dom::array pair;
    if (!item.get(pair)) {
      if (pair.size() != 2 || pair.at(0).get(left) || pair.at(1).get(right)) {
        f.Fail(where(), "expected a [left, right] pair of strings");
      }
    } else {
      std::string_view line;
      if (item.get(line)) f.Fail(where(), "expected a [left, right] pair or a \"left right\" string");
      const size_t space = line.find(' ');
      if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
        f.Fail(where(), "expected \"left right\" with exactly one space, got " + Quote(line));
      }
      left = line.substr(0, space);
      right = line.substr(space + 1);
    }
    parts[3 * i] = left;
    parts[3 * i + 1] = right;
    joined.append(left).append(right);
    joined_end[i] = joined.size();
    ++i;
  }
  for (size_t k = 0, begin = 0; k < n; begin = joined_end[k], ++k) {
    parts[3 * k + 2] = std::string_view(joined).substr(begin, joined_end[k] - begin);
  }
  std::vector<int32_t> ids(3 * n);
  vocab.FindMany(parts.data(), parts.size(), ids.data());
  merges->Reserve(n);
  constexpr size_t kAhead = 16;  // prefetch distance, as for the vocabulary
  for (size_t k = 0; k < n; ++k) {
    const size_t ahead = 3 * (k + kAhead);
    if (ahead < ids.size() && ids[ahead] >= 0 && ids[ahead + 1] >= 0) {
      merges->Prefetch(ids[ahead], ids[ahead + 1]);
    }
    for (int part = 0; part < 3; ++part) {
      if (ids[3 * k + part] < 0) {
        f.Fail(At("model.merges", k), std::string(part == 2 ? "merged token " : "token ") +
                                          Quote(parts[3 * k + part]) + " is not in model.vocab");
      }
    }
    merges->Set(ids[3 * k], ids[3 * k + 1], MergeRule{static_cast<uint32_t>(k), ids[3 * k + 2]});
  }
}

void LoadModel(const JsonFile& f, dom::element e, BpeModel* model) {
  const dom::object o = f.Object(e, "model");
  const std::string_view type = f.Type(o, "model");
  if (type != "BPE") {
    f.Fail("model.type", "unsupported model type " + Quote(type) + " (only BPE is supported)");
  }
  dom::element x;
  if (JsonFile::Present(o, "dropout", &x)) {
    double p;
    if (x.get(p) || p != 0.0) f.Fail("model.dropout", "BPE dropout is not supported (must be null)");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const std::string where = std::string("model.") + key;
    if (JsonFile::Present(o, key, &x) && !f.String(x, where).empty()) {
      f.Fail(where, "is not supported (must be null or empty)");
    }
  }
  BpeOptions& options = model->options();
  options.byte_fallback = f.Bool(o, "byte_fallback", "model", false);
  options.fuse_unk = f.Bool(o, "fuse_unk", "model", false);
  options.ignore_merges = f.Bool(o, "ignore_merges", "model", false);
  if (JsonFile::Present(o, "unk_token", &x)) {
    options.has_unk = true;
    options.unk_token = f.String(x, "model.unk_token");
  }
  LoadVocab(f, f.Required(o, "vocab", "model"), &model->vocab());
  LoadMerges(f, f.Required(o, "merges", "model"), model->vocab(), &model->merges());
  model->Prepare();
}

// HF AddedVocabulary::add_tokens: a token already in the model vocabulary keeps the
// model's id; a new one gets the next id after the vocabulary. The file's "id" is only
// checked against that (HF would silently use its own id; we refuse the disagreement).
void LoadAddedTokens(const JsonFile& f, dom::element e, const Normalizer& normalizer,
                     const Vocab& vocab, AddedVocabulary* added) {
  const dom::array list = f.Array(e, "added_tokens");
  const int32_t model_count = vocab.count();
  int32_t max_id = -1;  // over the added tokens so far, as HF's added_tokens_map
  std::string match_form;
  size_t index = 0;
  for (const dom::element item : list) {
    const std::string where = At("added_tokens", index++);
    const dom::object o = f.Object(item, where);
    AddedToken token;
    token.content = f.String(f.Required(o, "content", where), where + ".content");
    const int64_t file_id = f.Int(f.Required(o, "id", where), where + ".id");
    token.special = f.Bool(o, "special", where, false);
    token.lstrip = f.Bool(o, "lstrip", where, false);
    token.rstrip = f.Bool(o, "rstrip", where, false);
    token.normalized = f.Bool(o, "normalized", where, true);
    if (f.Bool(o, "single_word", where, false)) {
      // Would need Unicode alphanumeric tables to reproduce HF's word-boundary test.
      f.Fail(where + ".single_word", "single_word: true is not supported (token " +
                                         Quote(token.content) + ")");
    }
    if (token.content.empty()) continue;  // HF ignores empty added tokens
    if (added->ByContent(token.content) != nullptr) {
      f.Fail(where, "token " + Quote(token.content) + " is listed twice");
    }
    int32_t id = vocab.Find(token.content);
    if (id < 0) {
      id = max_id < 0 ? model_count
           : (max_id >= model_count || model_count == 0) ? max_id + 1
                                                         : model_count;
      if (vocab.Has(id)) {
        f.Fail(where, "new token " + Quote(token.content) + " would get id " +
                          std::to_string(id) + ", which model.vocab already uses");
      }
    }
    if (id != file_id) {
      f.Fail(where + ".id", "token " + Quote(token.content) + " has id " +
                                std::to_string(file_id) + " in the file but id " +
                                std::to_string(id) + " by the vocabulary");
    }
    if (added->ById(id) != nullptr) {
      f.Fail(where + ".id", "id " + std::to_string(id) + " is given to two added tokens");
    }
    max_id = std::max(max_id, id);
    token.id = id;
    // The search form is copied out first: moving `token` can empty a short content.
    if (token.normalized) {
      normalizer.Apply(token.content, &match_form);
    } else {
      match_form = token.content;
    }
    added->Add(std::move(token), match_form);
  }
  added->Finish();
}

void LoadNormalizer(const JsonFile& f, dom::element e, const std::string& where,
                    Normalizer* normalizer) {
  if (e.is_null()) return;
  const dom::object o = f.Object(e, where);
  const std::string_view type = f.Type(o, where);
  if (type == "Sequence") {
    const dom::array list = f.Array(f.Required(o, "normalizers", where), where + ".normalizers");
    size_t i = 0;
    for (const dom::element item : list) {
      LoadNormalizer(f, item, At(where + ".normalizers", i++), normalizer);
    }
  } else if (type == "Replace") {
    std::string pattern = LiteralPattern(f, o, where);
    normalizer->AddReplace(std::move(pattern),
                           std::string(f.String(f.Required(o, "content", where), where + ".content")));
  } else if (type == "Prepend") {
    normalizer->AddPrepend(
        std::string(f.String(f.Required(o, "prepend", where), where + ".prepend")));
  } else {
    f.Fail(where + ".type", "unsupported normalizer type " + Quote(type) +
                                " (supported: Replace, Prepend, Sequence)");
  }
}

void LoadPreTokenizer(const JsonFile& f, dom::element e, const std::string& where,
                      PreTokenizer* pre_tokenizer) {
  if (e.is_null()) return;
  const dom::object o = f.Object(e, where);
  const std::string_view type = f.Type(o, where);
  if (type == "Sequence") {
    const dom::array list =
        f.Array(f.Required(o, "pretokenizers", where), where + ".pretokenizers");
    size_t i = 0;
    for (const dom::element item : list) {
      LoadPreTokenizer(f, item, At(where + ".pretokenizers", i++), pre_tokenizer);
    }
  } else if (type == "Split") {
    std::string pattern = LiteralPattern(f, o, where);
    const std::string_view name =
        f.String(f.Required(o, "behavior", where), where + ".behavior");
    SplitBehavior behavior;
    if (name == "Removed") {
      behavior = SplitBehavior::kRemoved;
    } else if (name == "Isolated") {
      behavior = SplitBehavior::kIsolated;
    } else if (name == "MergedWithPrevious") {
      behavior = SplitBehavior::kMergedWithPrevious;
    } else if (name == "MergedWithNext") {
      behavior = SplitBehavior::kMergedWithNext;
    } else if (name == "Contiguous") {
      behavior = SplitBehavior::kContiguous;
    } else {
      f.Fail(where + ".behavior", "unknown split behavior " + Quote(name));
    }
    pre_tokenizer->AddSplit(std::move(pattern), behavior, f.Bool(o, "invert", where, false));
  } else {
    f.Fail(where + ".type", "unsupported pre_tokenizer type " + Quote(type) +
                                " (supported: Split, Sequence)");
  }
}

// TemplateProcessing's "single" template: special tokens around exactly one $A.
void LoadPostProcessor(const JsonFile& f, dom::element e, TokenizerParts* parts) {
  const std::string where = "post_processor";
  if (e.is_null()) return;
  const dom::object o = f.Object(e, where);
  const std::string_view type = f.Type(o, where);
  if (type != "TemplateProcessing") {
    f.Fail(where + ".type", "unsupported post_processor type " + Quote(type) +
                                " (only TemplateProcessing is supported)");
  }
  const dom::object specials =
      f.Object(f.Required(o, "special_tokens", where), where + ".special_tokens");
  const dom::array single = f.Array(f.Required(o, "single", where), where + ".single");
  bool seen_a = false;
  size_t i = 0;
  for (const dom::element item : single) {
    const std::string at = At(where + ".single", i++);
    const dom::object piece = f.Object(item, at);
    dom::element body;
    if (JsonFile::Field(piece, "Sequence", &body)) {
      const std::string_view id =
          f.String(f.Required(f.Object(body, at + ".Sequence"), "id", at + ".Sequence"),
                   at + ".Sequence.id");
      if (id != "A" || seen_a) f.Fail(at, "the single template must hold $A exactly once");
      seen_a = true;
    } else if (JsonFile::Field(piece, "SpecialToken", &body)) {
      const std::string_view name =
          f.String(f.Required(f.Object(body, at + ".SpecialToken"), "id", at + ".SpecialToken"),
                   at + ".SpecialToken.id");
      dom::element entry;
      if (!JsonFile::Field(specials, name, &entry)) {
        f.Fail(at, "special token " + Quote(name) + " is not in post_processor.special_tokens");
      }
      const std::string entry_at = where + ".special_tokens[" + Quote(name) + "]";
      const dom::array ids =
          f.Array(f.Required(f.Object(entry, entry_at), "ids", entry_at), entry_at + ".ids");
      for (const dom::element id : ids) {
        const int64_t v = f.Int(id, entry_at + ".ids");
        if (v < 0 || v > std::numeric_limits<int32_t>::max()) {
          f.Fail(entry_at + ".ids", "id " + std::to_string(v) + " is out of range");
        }
        (seen_a ? parts->suffix_ids : parts->prefix_ids).push_back(static_cast<int32_t>(v));
      }
    } else {
      f.Fail(at, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
  }
  if (!seen_a) f.Fail(where + ".single", "the single template has no $A");
}

void LoadDecoder(const JsonFile& f, dom::element e, const std::string& where, Decoder* decoder) {
  if (e.is_null()) return;
  decoder->set_present(true);
  const dom::object o = f.Object(e, where);
  const std::string_view type = f.Type(o, where);
  if (type == "Sequence") {
    const dom::array list = f.Array(f.Required(o, "decoders", where), where + ".decoders");
    size_t i = 0;
    for (const dom::element item : list) LoadDecoder(f, item, At(where + ".decoders", i++), decoder);
  } else if (type == "Replace") {
    std::string pattern = LiteralPattern(f, o, where);
    decoder->AddReplace(std::move(pattern),
                        std::string(f.String(f.Required(o, "content", where), where + ".content")));
  } else if (type == "ByteFallback") {
    decoder->AddByteFallback();
  } else if (type == "Fuse") {
    decoder->AddFuse();
  } else {
    f.Fail(where + ".type", "unsupported decoder type " + Quote(type) +
                                " (supported: Replace, ByteFallback, Fuse, Sequence)");
  }
}

}  // namespace

void LoadTokenizerJson(const std::string& path, TokenizerParts* parts) {
  const JsonFile f(path);
  const std::string top = "top level";
  const dom::object root = f.Object(f.root(), top);
  LoadModel(f, f.Required(root, "model", top), &parts->model);
  dom::element e;
  // The normalizer first: normalized added tokens are matched in normalized form.
  if (JsonFile::Present(root, "normalizer", &e)) {
    LoadNormalizer(f, e, "normalizer", &parts->normalizer);
  }
  if (JsonFile::Present(root, "pre_tokenizer", &e)) {
    LoadPreTokenizer(f, e, "pre_tokenizer", &parts->pre_tokenizer);
  }
  if (JsonFile::Present(root, "added_tokens", &e)) {
    LoadAddedTokens(f, e, parts->normalizer, parts->model.vocab(), &parts->added);
  } else {
    parts->added.Finish();
  }
  if (JsonFile::Present(root, "post_processor", &e)) LoadPostProcessor(f, e, parts);
  if (JsonFile::Present(root, "decoder", &e)) LoadDecoder(f, e, "decoder", &parts->decoder);

  parts->vocab_size = std::max(parts->model.vocab().id_limit(), parts->added.max_id() + 1);
  for (const auto* ids : {&parts->prefix_ids, &parts->suffix_ids}) {
    for (const int32_t id : *ids) {
      if (!parts->model.vocab().Has(id) && parts->added.ById(id) == nullptr) {
        f.Fail("post_processor.special_tokens",
               "id " + std::to_string(id) + " is not in the vocabulary");
      }
    }
  }
}

}  // namespace gembed::tok
