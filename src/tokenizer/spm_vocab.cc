// SentencePiece (GGUF) vocabulary ↔ Tokenizer. See spm_vocab.h for the rules and why.
#include "tokenizer/spm_vocab.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/tokenizer_parts.h"

namespace gembed {
namespace {

constexpr std::string_view kWordMark = "\xE2\x96\x81";  // "▁", SentencePiece's space
constexpr size_t kMaxTokens = size_t{1} << 26;        // as tokenizer.json ids: flat tables

int32_t TypeOf(const SpmVocab& v, size_t id) {
  return v.types.empty() ? static_cast<int32_t>(SpmTokenType::kNormal) : v.types[id];
}
bool Is(int32_t type, SpmTokenType t) { return type == static_cast<int32_t>(t); }

std::string ReplaceAll(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, from.size(), from) == 0) {
      out += to;
      i += from.size();
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::string Shown(std::string_view s) {  // a token in a message: quoted, cut when long
  std::string out = "'";
  out.append(s.substr(0, 60));
  out += s.size() > 60 ? "…'" : "'";
  return out;
}

// "<0x41>": a byte-fallback piece.
bool IsBytePiece(std::string_view s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  return s.size() == 6 && s.substr(0, 3) == "<0x" && hex(s[3]) && hex(s[4]) && s[5] == '>';
}

// Added tokens that llama.cpp's converter types CONTROL whatever HF says
// (`does_token_look_special`); in Gemma's tokenizer they are not special.
bool ForcedControl(std::string_view s) {
  return s == "<mask>" || s == "<2mass>" || s == "[@BOS@]" ||
         (s.size() > 8 && s.substr(0, 7) == "<unused" && s.back() == '>');
}

// Every split of a vocabulary piece into two vocabulary pieces, at character boundaries,
// pieces in id order, splits left to right. The vocabulary is valid UTF-8.
struct Split {
  int32_t merged, left, right;
  uint32_t left_chars, right_chars;
};

std::vector<Split> VocabSplits(const tok::Vocab& vocab) {
  std::vector<Split> out;
  std::vector<std::string_view> parts;  // left, right, left, right, …
  std::vector<Split> pending;           // the same splits, ids not yet known
  std::vector<int32_t> ids;
  auto flush = [&] {
    ids.resize(parts.size());
    vocab.FindMany(parts.data(), parts.size(), ids.data());
    for (size_t k = 0; k < pending.size(); ++k) {
      if (ids[2 * k] >= 0 && ids[2 * k + 1] >= 0) {
        Split s = pending[k];
        s.left = ids[2 * k];
        s.right = ids[2 * k + 1];
        out.push_back(s);
      }
    }
    parts.clear();
    pending.clear();
  };
  for (int32_t id = 0; id < vocab.id_limit(); ++id) {
    if (!vocab.Has(id)) continue;
    const std::string_view piece = vocab.Piece(id);
    uint32_t total = 0;
    for (char c : piece) total += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
    uint32_t left = 1;
    for (size_t i = 1; i < piece.size(); ++i) {
      if ((static_cast<uint8_t>(piece[i]) & 0xC0) == 0x80) continue;  // inside a character
      parts.push_back(piece.substr(0, i));
      parts.push_back(piece.substr(i));
      pending.push_back({id, -1, -1, left, total - left});
      ++left;
    }
    if (parts.size() >= (1u << 16)) flush();
  }
  flush();
  return out;
}

// HF's generate_merges order for scores by id (see spm_vocab.h).
std::vector<SpmMerge> DeriveMerges(const tok::Vocab& vocab, const std::vector<float>& score) {
  std::vector<Split> splits = VocabSplits(vocab);
  std::sort(splits.begin(), splits.end(), [&](const Split& a, const Split& b) {
    const float sa = score[a.merged], sb = score[b.merged];
    if (sa != sb) return sa > sb;
    if (a.left_chars != b.left_chars) return a.left_chars > b.left_chars;
    if (a.right_chars != b.right_chars) return a.right_chars > b.right_chars;
    return a.merged < b.merged;  // the splits of one piece differ in length, so this is total
  });
  std::vector<SpmMerge> out;
  out.reserve(splits.size());
  for (const Split& s : splits) out.push_back({s.left, s.right, s.merged});
  return out;
}

// The merges of a loaded BPE model in rank order, found by asking the merge table about
// every split of every piece (HF merges always join two pieces into a third).
std::vector<SpmMerge> MergesOf(const tok::BpeModel& model) {
  struct Ranked {
    uint32_t rank;
    SpmMerge merge;
  };
  std::vector<Ranked> found;
  tok::MergeRule rule;
  for (const Split& s : VocabSplits(model.vocab())) {
    if (model.merges().Find(s.left, s.right, &rule) && rule.merged == s.merged) {
      found.push_back({rule.rank, {s.left, s.right, s.merged}});
    }
  }
  if (found.size() != model.merges().size()) {
    throw Error("tokenizer: only " + std::to_string(found.size()) + " of its " +
                std::to_string(model.merges().size()) + " merges join two vocabulary pieces into a third");
  }
  std::sort(found.begin(), found.end(), [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
  std::vector<SpmMerge> out;
  out.reserve(found.size());
  for (const Ranked& r : found) out.push_back(r.merge);
  return out;
}

void BuildParts(const SpmVocab& v, const std::string& where, tok::TokenizerParts* p) {
  auto fail = [&](const std::string& what) { return Error(where + ": " + what); };
  const size_t n = v.tokens.size();
  const auto ids_of = [&](std::optional<int32_t> id, const char* key, int32_t fallback) {
    const int32_t value = id.value_or(fallback);
    if (id.has_value() && (value < 0 || static_cast<size_t>(value) >= n)) {
      throw fail(std::string("tokenizer.ggml.") + key + " = " + std::to_string(value) +
                 " is outside the " + std::to_string(n) + " tokens");
    }
    return value;
  };
  const int32_t bos = ids_of(v.bos_id, "bos_token_id", 1);
  const int32_t eos = ids_of(v.eos_id, "eos_token_id", 2);
  const int32_t unk_given = ids_of(v.unk_id, "unknown_token_id", -1);
  ids_of(v.pad_id, "padding_token_id", -1);

  // Token strings as HF has them: USER_DEFINED tokens get their "▁" back.
  std::vector<std::string> pieces(n);
  size_t bytes = 0;
  for (size_t id = 0; id < n; ++id) {
    const int32_t type = TypeOf(v, id);
    if (type < 0 || type > static_cast<int32_t>(SpmTokenType::kByte)) {
      throw fail("token " + std::to_string(id) + " has unknown token type " + std::to_string(type));
    }
    pieces[id] = Is(type, SpmTokenType::kUserDefined) ? ReplaceAll(v.tokens[id], " ", kWordMark) : v.tokens[id];
    const size_t bad = FindInvalidUtf8(pieces[id]);
    if (bad != std::string_view::npos) {
      throw fail("token " + std::to_string(id) + " is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    }
    bytes += pieces[id].size();
  }

  tok::Vocab& vocab = p->model.vocab();
  vocab.Reserve(n, bytes);
  for (size_t id = 0; id < n; ++id) {
    if (pieces[id].empty()) continue;  // llama.cpp tolerates empty tokens; they match nothing
    if (vocab.Add(pieces[id], static_cast<int32_t>(id)) != tok::Vocab::AddResult::kAdded) {
      throw fail("tokens " + std::to_string(vocab.Find(pieces[id])) + " and " + std::to_string(id) +
                 " are both " + Shown(pieces[id]));
    }
  }

  // Added tokens: HF matches them in the raw text before the model sees it.
  int32_t unk = unk_given;
  for (size_t id = 0; id < n; ++id) {
    const int32_t type = TypeOf(v, id);
    if (unk < 0 && Is(type, SpmTokenType::kUnknown)) unk = static_cast<int32_t>(id);
  }
  // The special tokens the file names are special added tokens, as in HF, whatever their type.
  std::vector<bool> named(n, false);
  for (const std::optional<int32_t>& id : {v.bos_id, v.eos_id, v.pad_id}) {
    if (id.has_value()) named[*id] = true;
  }
  if (unk >= 0) named[unk] = true;
  for (size_t id = 0; id < n; ++id) {
    const int32_t type = TypeOf(v, id);
    const bool control = Is(type, SpmTokenType::kControl) || Is(type, SpmTokenType::kUnknown);
    const bool user = Is(type, SpmTokenType::kUserDefined);
    if (pieces[id].empty() || !(control || user || named[id])) continue;
    tok::AddedToken token;
    token.content = pieces[id];
    token.id = static_cast<int32_t>(id);
    token.special = named[id] || (control && !ForcedControl(pieces[id]));
    token.normalized = false;
    const std::string match_form = token.content;
    p->added.Add(std::move(token), match_form);
  }
  p->added.Finish();

  // Merges: the file's list, or derived from the scores.
  std::vector<SpmMerge> merges;
  if (!v.merges.empty()) {
    merges.reserve(v.merges.size());
    for (size_t i = 0; i < v.merges.size(); ++i) {
      const std::string& m = v.merges[i];
      const size_t space = m.find(' ', 1);  // llama.cpp's rule: the left part is never empty
      const std::string at = "tokenizer.ggml.merges[" + std::to_string(i) + "] " + Shown(m);
      if (space == std::string::npos) throw fail(at + " is not \"left right\"");
      const std::string left = m.substr(0, space), right = m.substr(space + 1);
      const int32_t l = vocab.Find(left), r = vocab.Find(right), merged = vocab.Find(left + right);
      if (l < 0 || r < 0 || merged < 0) throw fail(at + " names a token that is not in the vocabulary");
      merges.push_back({l, r, merged});
    }
  } else {
    if (!v.scores.empty() && v.scores.size() != n) {
      throw fail("tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries for " +
                 std::to_string(n) + " tokens");
    }
    std::vector<float> score(n, 0.0f);
    for (size_t id = 0; id < n; ++id) {
      const int32_t type = TypeOf(v, id);
      const float s = v.scores.empty() ? 0.0f : v.scores[id];
      if (std::isnan(s)) throw fail("token " + std::to_string(id) + " has a NaN score");
      // SentencePiece gives control and user-defined pieces score 0; llama.cpp wrote -1000.
      const bool added = Is(type, SpmTokenType::kControl) || Is(type, SpmTokenType::kUserDefined);
      score[id] = added ? 0.0f : s;
    }
    merges = DeriveMerges(vocab, score);
  }
  tok::MergeMap& table = p->model.merges();
  table.Reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    table.Set(merges[rank].left, merges[rank].right, tok::MergeRule{static_cast<uint32_t>(rank), merges[rank].merged});
  }

  tok::BpeOptions& o = p->model.options();
  o.fuse_unk = true;  // what HF's SentencePiece converter sets for BPE models
  o.byte_fallback = false;
  for (size_t id = 0; id < n && !o.byte_fallback; ++id) {
    o.byte_fallback = Is(TypeOf(v, id), SpmTokenType::kByte);
  }
  if (v.types.empty()) o.byte_fallback = vocab.Find("<0x00>") >= 0;
  if (unk >= 0 && !pieces[unk].empty()) {
    o.has_unk = true;
    o.unk_token = pieces[unk];
  }
  p->model.Prepare();

  // SentencePiece escapes spaces as "▁"; add_space_prefix is its add_dummy_prefix.
  if (v.add_space_prefix.value_or(true)) p->normalizer.AddPrepend(std::string(kWordMark));
  p->normalizer.AddReplace(" ", std::string(kWordMark));
  p->decoder.set_present(true);
  p->decoder.AddReplace(std::string(kWordMark), " ");
  p->decoder.AddByteFallback();
  p->decoder.AddFuse();

  const auto template_id = [&](int32_t id, const char* what) {
    if (id < 0 || static_cast<size_t>(id) >= n || pieces[id].empty()) {
      throw fail(std::string("tokenizer.ggml.add_") + what + "_token is set but the " + what +
                 " token id " + std::to_string(id) + " is not a token");
    }
    return std::vector<int32_t>{id};
  };
  if (v.add_bos.value_or(true)) p->prefix_ids = template_id(bos, "bos");
  if (v.add_eos.value_or(false)) p->suffix_ids = template_id(eos, "eos");
  p->vocab_size = static_cast<int32_t>(n);
}

}  // namespace

std::unique_ptr<Tokenizer> TokenizerFromSpmVocab(const SpmVocab& v, const std::string& where) {
  if (v.model != "llama") {
    throw Error(where + ": tokenizer.ggml.model is '" + v.model +
                "'; only SentencePiece vocabularies ('llama', as Gemma's) are supported");
  }
  if (v.tokens.empty()) throw Error(where + ": tokenizer.ggml.tokens is empty");
  if (v.tokens.size() > kMaxTokens) {
    throw Error(where + ": " + std::to_string(v.tokens.size()) + " tokens is more than supported (" +
                std::to_string(kMaxTokens) + ")");
  }
  if (!v.types.empty() && v.types.size() != v.tokens.size()) {
    throw Error(where + ": tokenizer.ggml.token_type has " + std::to_string(v.types.size()) + " entries for " +
                std::to_string(v.tokens.size()) + " tokens");
  }
  return Tokenizer::FromParts([&](tok::TokenizerParts* p) { BuildParts(v, where, p); });
}

std::vector<SpmMerge> ListMerges(const Tokenizer& tokenizer) { return MergesOf(tokenizer.parts().model); }

SpmVocab SpmVocabFromTokenizer(const Tokenizer& tokenizer, int32_t max_tokens) {
  const tok::TokenizerParts& p = tokenizer.parts();
  const tok::BpeOptions& o = p.model.options();
  const tok::Vocab& model_vocab = p.model.vocab();
  auto fail = [](const std::string& why) {
    return Error("this tokenizer cannot be written as a SentencePiece (GGUF) vocabulary: " + why);
  };

  // The pipeline must be the one TokenizerFromSpmVocab rebuilds; probe each part.
  if (o.ignore_merges) throw fail("its BPE model ignores merges");
  if (o.has_unk && !o.fuse_unk) throw fail("its BPE model does not fuse unknown characters");
  std::string normalized;
  p.normalizer.Apply("a b\t\xC3\xA9", &normalized);
  const std::string plain = "a\xE2\x96\x81" "b\t\xC3\xA9";
  bool space_prefix = false;
  if (normalized == std::string(kWordMark) + plain) {
    space_prefix = true;
  } else if (normalized != plain) {
    throw fail("its normalizer turns \"a b\" into \"" + normalized + "\"; only \" \" -> \"\xE2\x96\x81\" is supported");
  }
  if (!p.pre_tokenizer.empty()) {
    std::vector<std::string_view> words;
    p.pre_tokenizer.Apply(plain, &words);
    if (words.size() != 1 || words[0] != plain) throw fail("its pre-tokenizer splits the text");
  }
  const std::string decoded = p.decoder.Decode({"\xE2\x96\x81" "a", "<0x41>", "b"});
  if (decoded != (o.byte_fallback ? " aAb" : " a<0x41>b")) {
    throw fail("its decoder turns [\"\xE2\x96\x81" "a\", \"<0x41>\", \"b\"] into \"" + decoded + "\"");
  }
  if (p.prefix_ids.size() > 1 || p.suffix_ids.size() > 1) {
    throw fail("its post-processor adds more than one token before or after the text");
  }

  int32_t n = tokenizer.vocab_size();
  if (max_tokens >= 0 && max_tokens < n) n = max_tokens;
  SpmVocab v;
  v.tokens.resize(n);
  v.types.resize(n);
  v.scores.assign(n, 0.0f);
  std::vector<bool> added(n, false);
  for (int32_t id = 0; id < n; ++id) {
    const std::string at = "token " + std::to_string(id);
    if (const tok::AddedToken* a = p.added.ById(id)) {
      if (a->normalized || a->lstrip || a->rstrip) {
        throw fail("added " + at + " " + Shown(a->content) + " is normalized or strips spaces");
      }
      added[id] = true;
      v.scores[id] = -1000.0f;  // llama.cpp's converter's score for added tokens
      if (a->special) {
        v.tokens[id] = a->content;
        v.types[id] = static_cast<int32_t>(SpmTokenType::kControl);
      } else {
        if (a->content.find(' ') != std::string::npos) throw fail("added " + at + " contains a space");
        v.tokens[id] = ReplaceAll(a->content, kWordMark, " ");  // llama.cpp's convention
        v.types[id] = static_cast<int32_t>(SpmTokenType::kUserDefined);
      }
    } else if (model_vocab.Has(id)) {
      const std::string_view piece = model_vocab.Piece(id);
      v.tokens[id] = std::string(piece);
      SpmTokenType type = SpmTokenType::kNormal;
      if (o.byte_fallback && IsBytePiece(piece)) type = SpmTokenType::kByte;
      if (o.has_unk && piece == o.unk_token) type = SpmTokenType::kUnknown;
      v.types[id] = static_cast<int32_t>(type);
    } else {
      throw fail("id " + std::to_string(id) + " has no token (a GGUF vocabulary has no holes)");
    }
  }

  // Scores. Split the merge list into the smallest runs that hold every merge of each
  // merged token (tokens whose merges interleave must share a score). Added tokens count as
  // score 0 in the reader, so every run up to the last one with an added token gets 0 (in
  // Gemma 3 that is the whitespace runs and the first normal piece, "▁t", as in its
  // SentencePiece model); each later run gets a score below the one before.
  const std::vector<SpmMerge> merges = MergesOf(p.model);
  for (const SpmMerge& m : merges) {
    if (std::max({m.left, m.right, m.merged}) >= n) {
      throw fail("merge " + Shown(std::string(model_vocab.Piece(m.left)) + " " +
                                  std::string(model_vocab.Piece(m.right))) +
                 " uses a token past the first " + std::to_string(n));
    }
  }
  std::vector<size_t> last(n, 0);
  for (size_t i = 0; i < merges.size(); ++i) last[merges[i].merged] = i;
  struct Run {
    size_t begin, end;
  };
  std::vector<Run> runs;
  size_t zero_runs = 0;  // runs [0, zero_runs) get score 0
  for (size_t begin = 0; begin < merges.size();) {
    size_t end = last[merges[begin].merged];
    bool has_added = false;
    for (size_t i = begin; i <= end; ++i) {
      end = std::max(end, last[merges[i].merged]);
      has_added = has_added || added[merges[i].merged];
    }
    runs.push_back({begin, end});
    if (has_added) zero_runs = runs.size();
    begin = end + 1;
  }
  std::vector<bool> scored(n, false);
  float run_score = 0.0f;
  for (size_t k = 0; k < runs.size(); ++k) {
    if (k >= zero_runs) run_score -= 1.0f;
    for (size_t i = runs[k].begin; i <= runs[k].end; ++i) {
      const int32_t t = merges[i].merged;
      if (!added[t]) v.scores[t] = run_score;
      scored[t] = true;
    }
  }
  for (int32_t id = 0; id < n; ++id) {
    if (!scored[id] && !added[id] && v.types[id] == static_cast<int32_t>(SpmTokenType::kNormal)) {
      v.scores[id] = run_score - 1.0f;  // unreachable by merges: last
    }
  }

  // Check: derive the merges the reader will derive; if they differ, store the list.
  tok::Vocab rebuilt;
  size_t bytes = 0;
  for (const std::string& t : v.tokens) bytes += t.size();
  rebuilt.Reserve(v.tokens.size(), bytes);
  std::vector<float> effective(n);
  for (int32_t id = 0; id < n; ++id) {
    const std::string piece = added[id] ? p.added.ById(id)->content : v.tokens[id];
    if (!piece.empty() && rebuilt.Add(piece, id) != tok::Vocab::AddResult::kAdded) {
      throw fail("token " + std::to_string(id) + " " + Shown(piece) + " appears twice");
    }
    effective[id] = added[id] ? 0.0f : v.scores[id];
  }
  if (DeriveMerges(rebuilt, effective) != merges) {
    v.merges.reserve(merges.size());
    for (const SpmMerge& m : merges) {
      const std::string_view left = rebuilt.Piece(m.left);
      if (left.find(' ') != std::string_view::npos) {
        throw fail("its merge order needs an explicit merge list, and merge " + Shown(left) + " contains a space");
      }
      v.merges.push_back(std::string(left) + " " + std::string(rebuilt.Piece(m.right)));
    }
  }

  // Special tokens and the template around a text.
  const auto id_of = [&](std::string_view token) -> std::optional<int32_t> {
    const int32_t id = tokenizer.TokenToId(token);
    return id >= 0 && id < n ? std::optional<int32_t>(id) : std::nullopt;
  };
  v.add_bos = !p.prefix_ids.empty();
  v.bos_id = p.prefix_ids.empty() ? id_of("<bos>") : std::optional<int32_t>(p.prefix_ids[0]);
  v.add_eos = !p.suffix_ids.empty();
  v.eos_id = p.suffix_ids.empty() ? id_of("<eos>") : std::optional<int32_t>(p.suffix_ids[0]);
  for (const std::optional<int32_t>& id : {v.bos_id, v.eos_id}) {
    if (id.has_value() && *id >= n) throw fail("a template token id is past the first " + std::to_string(n));
  }
  if (o.has_unk) v.unk_id = id_of(o.unk_token);
  v.pad_id = id_of("<pad>");
  v.add_space_prefix = space_prefix;
  return v;
}

}  // namespace gembed
