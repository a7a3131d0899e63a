// tokenizer.json → TokenizerParts. Each component is checked against what this engine
// implements exactly; anything else is refused with the JSON key that holds it.
#if __has_include(<malloc.h>)
#include <malloc.h>  // malloc_trim (glibc)
#endif

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

// model.vocab and model.merges as JsonFile streams them: the vocabulary and the merge
// table are built while the file is read. Errors are kept until the loader reaches the
// key that holds them, so that a file with several problems is reported as a walk in
// the loader's order would report it: the first bad id, else the first repeated token or
// id; the first malformed merge, else the first merge with a part not in the vocabulary.
class ModelStream final : public BulkSink {
 public:
  explicit ModelStream(BpeModel* model) : vocab_(&model->vocab()), merges_(&model->merges()) {}

  void VocabEntry(std::string_view token, bool is_int, int64_t id) override {
    // Ids index flat tables, so an absurd id would be an absurd allocation: cap them.
    if (!is_int || id < 0 || id >= kMaxId) {
      if (!bad_id_.set()) {
        bad_id_ = {"model.vocab[" + Quote(token) + "]",
                   "expected an id from 0 to " + std::to_string(kMaxId - 1)};
      }
      return;
    }
    if (bad_id_.set() || repeated_.set()) return;  // the load fails anyway
    const auto id32 = static_cast<int32_t>(id);
    if (!vocab_->Append(token, id32)) {
      // A token before this one may still repeat a string: IndexAppended tells.
      repeated_ = {"model.vocab[" + Quote(token) + "]",
                   "id " + std::to_string(id) + " is also the id of " + Quote(vocab_->Piece(id32))};
    }
  }

  void VocabEnd() override {
    if (!bad_id_.set()) {
      const int32_t id = vocab_->IndexAppended();
      if (id >= 0) {
        repeated_ = {"model.vocab[" + Quote(vocab_->Piece(id)) + "]", "the token is listed twice"};
      }
    }
    vocab_->ShrinkToFit();
    vocab_ready_ = !bad_id_.set() && !repeated_.set();
    if (merges_done_) ResolveMerges();  // merges came first: they waited for the vocabulary
  }

  void MergesItem(MergeItem kind, std::string_view a, std::string_view b) override {
    const size_t index = merge_count_++;
    if (malformed_merge_.set()) return;
    std::string_view left, right;
    switch (kind) {
      case MergeItem::kPair:
        left = a;
        right = b;
        break;
      case MergeItem::kLine: {
        const size_t space = a.find(' ');
        if (space == std::string_view::npos || a.find(' ', space + 1) != std::string_view::npos) {
          malformed_merge_ = {At("model.merges", index),
                              "expected \"left right\" with exactly one space, got " + Quote(a)};
          return;
        }
        left = a.substr(0, space);
        right = a.substr(space + 1);
        break;
      }
      case MergeItem::kBadArray:
        malformed_merge_ = {At("model.merges", index), "expected a [left, right] pair of strings"};
        return;
      case MergeItem::kOther:
        malformed_merge_ = {At("model.merges", index),
                            "expected a [left, right] pair or a \"left right\" string"};
        return;
    }
    if (missing_part_.set()) return;
    // left and right back to back: left+right is the two together.
    pending_.push_back({static_cast<uint32_t>(pending_text_.size()),
                        static_cast<uint32_t>(left.size()), static_cast<uint32_t>(right.size())});
    pending_text_.append(left).append(right);
    if (vocab_ready_ && pending_.size() >= kBatch) LookUpPending();
  }

  void MergesEnd() override {
    merges_done_ = true;
    if (vocab_ready_) ResolveMerges();
  }

  // At model.vocab / model.merges: throws the kept error, if any.
  void FinishVocab(const JsonFile& f) const {
    if (!f.vocab_streamed()) f.Fail("model.vocab", "was not read (internal error)");
    if (bad_id_.set()) f.Fail(bad_id_.where, bad_id_.what);
    if (repeated_.set()) f.Fail(repeated_.where, repeated_.what);
  }
  void FinishMerges(const JsonFile& f) const {
    if (!f.merges_streamed()) f.Fail("model.merges", "was not read (internal error)");
    if (malformed_merge_.set()) f.Fail(malformed_merge_.where, malformed_merge_.what);
    if (missing_part_.set()) f.Fail(missing_part_.where, missing_part_.what);
  }

 private:
  struct Problem {
    std::string where, what;
    bool set() const { return !where.empty(); }
  };
  struct Pending {
    uint32_t begin;  // into pending_text_
    uint32_t left_size;
    uint32_t right_size;
  };
  struct Triple {
    int32_t left, right, merged;
  };
  static constexpr size_t kBatch = 4096;

  // The ids of the pending merges' parts, looked up together (3 x 515k lookups: they
  // dominate the load time, and FindMany overlaps their cache misses).
  void LookUpPending() {
    if (!missing_part_.set() && !pending_.empty()) {
      const size_t n = pending_.size();
      parts_.resize(3 * n);
      for (size_t k = 0; k < n; ++k) {
        const Pending& m = pending_[k];
        const std::string_view both(pending_text_.data() + m.begin, m.left_size + m.right_size);
        parts_[3 * k] = both.substr(0, m.left_size);
        parts_[3 * k + 1] = both.substr(m.left_size);
        parts_[3 * k + 2] = both;
      }
      ids_.resize(3 * n);
      vocab_->FindMany(parts_.data(), parts_.size(), ids_.data());
      for (size_t k = 0; k < n && !missing_part_.set(); ++k) {
        for (int part = 0; part < 3; ++part) {
          if (ids_[3 * k + part] < 0) {
            missing_part_ = {At("model.merges", triples_.size()),
                             std::string(part == 2 ? "merged token " : "token ") +
                                 Quote(parts_[3 * k + part]) + " is not in model.vocab"};
            break;
          }
        }
        if (!missing_part_.set()) {
          triples_.push_back({ids_[3 * k], ids_[3 * k + 1], ids_[3 * k + 2]});
        }
      }
    }
    pending_.clear();
    pending_text_.clear();
  }

  // All merges read and the vocabulary ready: the last lookups, then the table, sized
  // once. Rank = position in the list (triples_ holds every merge when nothing failed).
  void ResolveMerges() {
    LookUpPending();
    std::vector<Pending>().swap(pending_);
    std::string().swap(pending_text_);
    std::vector<std::string_view>().swap(parts_);
    std::vector<int32_t>().swap(ids_);
    if (!malformed_merge_.set() && !missing_part_.set()) {
      const size_t n = triples_.size();
      merges_->Reserve(n);
      constexpr size_t kAhead = 16;  // prefetch distance, as for the vocabulary
      for (size_t k = 0; k < n; ++k) {
        if (k + kAhead < n) {
          merges_->Prefetch(triples_[k + kAhead].left, triples_[k + kAhead].right);
        }
        const Triple& t = triples_[k];
        merges_->Set(t.left, t.right, MergeRule{static_cast<uint32_t>(k), t.merged});
      }
    }
    std::vector<Triple>().swap(triples_);
  }

  Vocab* vocab_;
  MergeMap* merges_;
  bool vocab_ready_ = false;
  Problem bad_id_, repeated_;

  size_t merge_count_ = 0;
  bool merges_done_ = false;
  std::vector<Pending> pending_;  // merges not yet looked up
  std::string pending_text_;
  std::vector<std::string_view> parts_;
  std::vector<int32_t> ids_;
  std::vector<Triple> triples_;  // merges looked up, in order
  Problem malformed_merge_, missing_part_;
};

void LoadVocab(const JsonFile& f, dom::element e, const ModelStream& stream) {
  f.Object(e, "model.vocab");
  stream.FinishVocab(f);
}

// Merges are [left, right] pairs (current files) or "left right" strings (older files).
// Rank = position in the list; HF requires left, right and left+right in the vocabulary.
void LoadMerges(const JsonFile& f, dom::element e, const ModelStream& stream) {
  f.Array(e, "model.merges");
  stream.FinishMerges(f);
}

void LoadModel(const JsonFile& f, dom::element e, const ModelStream& stream, BpeModel* model) {
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
  LoadVocab(f, f.Required(o, "vocab", "model"), stream);
  LoadMerges(f, f.Required(o, "merges", "model"), stream);
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

void LoadRest(const JsonFile& f, const ModelStream& stream, TokenizerParts* parts) {
  const std::string top = "top level";
  const dom::object root = f.Object(f.root(), top);
  LoadModel(f, f.Required(root, "model", top), stream, &parts->model);
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

}  // namespace

void LoadTokenizerJson(const std::string& path, TokenizerParts* parts) {
  {
    ModelStream stream(&parts->model);
    const JsonFile f(path, &stream);
    LoadRest(f, stream, parts);
  }
#ifdef __GLIBC__
  // Loading freed the skeleton's DOM and the lookup batches: give that memory back.
  malloc_trim(0);
#endif
}

}  // namespace gembed::tok
