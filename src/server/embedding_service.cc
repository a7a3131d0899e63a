#include "server/embedding_service.h"

#include <algorithm>
#include <exception>

#include "base/error.h"
#include "base/utf8.h"
#include "embedder/embedder.h"
#include "kernels/ops.h"
#include "server/api_error.h"
#include "server/metrics.h"
#include "tokenizer/tokenizer.h"

namespace gembed::server {
namespace {

std::string InputName(size_t index) { return "input " + std::to_string(index); }

// Bytes of the original text one token stands for, for Gemma's tokenizer (normalizer:
// " " → "▁"; byte fallback "<0xHH>" = one byte). -1 when it cannot tell.
long SourceBytes(std::string_view piece, bool special) {
  if (special) return static_cast<long>(piece.size());
  if (piece.size() == 6 && piece.substr(0, 3) == "<0x" && piece.back() == '>') return 1;
  long n = 0;
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, 3, "\xE2\x96\x81") == 0) {  // ▁ stands for one space
      n += 1;
      i += 3;
    } else {
      n += 1;
      i += 1;
    }
  }
  return n;
}

}  // namespace

EmbeddingService::EmbeddingService(const Embedder& embedder, Batcher& batcher, Metrics* metrics, ServiceOptions options)
    : embedder_(embedder), batcher_(batcher), metrics_(metrics), options_(options) {}

void EmbeddingService::CheckPromptName(const std::optional<std::string>& name) const {
  if (!name || embedder_.prompts().count(*name)) return;
  std::string known;
  for (const auto& kv : embedder_.prompts()) known += (known.empty() ? "" : ", ") + kv.first;
  throw ApiError(ErrorKind::kInvalid,
                 "unknown prompt_name '" + *name + "'; this model has: " + (known.empty() ? "(no prompts)" : known),
                 "prompt_name");
}

std::vector<int32_t> EmbeddingService::Ids(const ApiInput& input, size_t index, const EmbedRequest& request) const {
  const size_t max_len = static_cast<size_t>(embedder_.max_seq_length());
  const Tokenizer* tok = embedder_.tokenizer();
  static const std::vector<int32_t> kNone;
  const auto& prefix = tok ? tok->prefix_ids() : kNone;
  const auto& suffix = tok ? tok->suffix_ids() : kNone;

  // The body tokens (no template) and, for text, what the embedder would make of it.
  std::vector<int32_t> body;
  if (input.tokens) {
    if (input.tokens->empty()) throw ApiError(ErrorKind::kInvalid, InputName(index) + ": no token ids", "input");
    body = *input.tokens;
  } else {
    EmbedOptions opt;
    opt.prompt_name = request.prompt_name;
    PreparedInput p;
    try {
      p = embedder_.Prepare(EmbedInput{.text = input.text}, opt);
    } catch (const Error& e) {
      throw ApiError(ErrorKind::kInvalid, InputName(index) + ": " + e.what(), "input");
    }
    if (!p.truncated) return p.ids;
    if (!request.truncate) {
      throw ApiError(ErrorKind::kTooLong,
                     InputName(index) + " has " + std::to_string(p.input_tokens) + " tokens; the model takes at most " +
                         std::to_string(max_len) + " (ask for truncation to cut it)",
                     "input");
    }
    if (!request.truncate_left) return p.ids;  // the embedder keeps the beginning
    body = tok->Encode(p.input_string);
  }

  const size_t room = max_len - std::min(max_len, prefix.size() + suffix.size());
  if (body.size() > room) {
    if (!request.truncate) {
      throw ApiError(ErrorKind::kTooLong,
                     InputName(index) + " has " + std::to_string(body.size() + prefix.size() + suffix.size()) +
                         " tokens; the model takes at most " + std::to_string(max_len) + " (ask for truncation to cut it)",
                     "input");
    }
    if (request.truncate_left) {
      body.erase(body.begin(), body.end() - static_cast<std::ptrdiff_t>(room));
    } else {
      body.resize(room);
    }
  }
  std::vector<int32_t> ids(prefix);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.insert(ids.end(), suffix.begin(), suffix.end());
  // Validates the ids (vocabulary range) before they reach a shared batch.
  try {
    EmbedOptions strict;
    strict.strict = true;
    return embedder_.Prepare(EmbedInput{.ids = std::move(ids)}, strict).ids;
  } catch (const Error& e) {
    throw ApiError(ErrorKind::kInvalid, InputName(index) + ": " + e.what(), "input");
  }
}

EmbedResponse EmbeddingService::Embed(const EmbedRequest& request) const {
  if (request.inputs.empty()) throw ApiError(ErrorKind::kEmpty, "no inputs to embed", "input");
  if (request.inputs.size() > options_.max_inputs) {
    throw ApiError(ErrorKind::kTooLarge,
                   std::to_string(request.inputs.size()) + " inputs; this server takes at most " +
                       std::to_string(options_.max_inputs) + " per request",
                   "input");
  }
  const int full = embedder_.output_dim();
  const int dim = request.dim == 0 ? full : request.dim;
  if (dim < 1 || dim > full) {
    throw ApiError(ErrorKind::kInvalid,
                   "dimensions must be between 1 and " + std::to_string(full) + ", got " + std::to_string(request.dim),
                   "dimensions");
  }
  CheckPromptName(request.prompt_name);

  std::vector<std::vector<int32_t>> seqs;
  seqs.reserve(request.inputs.size());
  for (size_t i = 0; i < request.inputs.size(); ++i) seqs.push_back(Ids(request.inputs[i], i, request));

  EmbedResponse out;
  for (const auto& s : seqs) {
    out.tokens.push_back(static_cast<int>(s.size()));
    out.total_tokens += s.size();
  }

  std::future<Embeddings> pending;
  try {
    pending = batcher_.Submit(std::move(seqs), request.normalize);
  } catch (const QueueFullError& e) {
    throw ApiError(ErrorKind::kOverloaded, e.what());
  } catch (const Error& e) {
    throw ApiError(ErrorKind::kUnavailable, e.what());
  }
  Embeddings full_vectors;
  try {
    full_vectors = pending.get();
  } catch (const std::exception& e) {
    throw ApiError(ErrorKind::kBackend, std::string("the model failed: ") + e.what());
  }

  // Matryoshka truncation and normalisation exactly as Embedder::Embed does them, so a
  // result equals the library's for the same input. normalize=false (TEI): the vectors are
  // the model's output before its Normalize module, truncated without re-normalising.
  // normalize=true on a model without a Normalize module normalises here (TEI's default).
  const bool model_normalizes = embedder_.model().normalize;
  for (auto& v : full_vectors) {
    v.resize(static_cast<size_t>(dim));
    if (request.normalize && (dim < full || !model_normalizes)) L2Normalize(v.data(), v.size());
  }

  if (request.precision == Precision::kFloat32) {
    out.vectors = std::move(full_vectors);
  } else {
    std::vector<float> flat;
    flat.reserve(full_vectors.size() * dim);
    for (const auto& v : full_vectors) flat.insert(flat.end(), v.begin(), v.end());
    // Fixed ranges (not per-request ones): the same vector quantises the same way whatever
    // request it came in, so quantised queries and documents from different calls compare.
    QuantizationRanges ranges;
    ranges.min.assign(dim, static_cast<float>(-options_.int8_range));
    ranges.max.assign(dim, static_cast<float>(options_.int8_range));
    const std::vector<uint8_t> bytes = QuantizeEmbeddings(flat.data(), full_vectors.size(), dim, request.precision, &ranges);
    const size_t row = QuantizedRowBytes(dim, request.precision);
    for (size_t i = 0; i < full_vectors.size(); ++i) out.packed.emplace_back(bytes.begin() + i * row, bytes.begin() + (i + 1) * row);
  }
  if (metrics_ != nullptr) metrics_->RecordEmbedded(request.inputs.size(), out.total_tokens);
  return out;
}

std::vector<TokenInfo> EmbeddingService::Tokenize(const std::string& text, const std::optional<std::string>& prompt_name,
                                                  bool add_special_tokens) const {
  const Tokenizer* tok = embedder_.tokenizer();
  if (tok == nullptr) throw ApiError(ErrorKind::kInvalid, "this model has no tokenizer");
  CheckPromptName(prompt_name);
  std::string prompt;
  if (prompt_name) {
    prompt = embedder_.prompts().at(*prompt_name);
  } else if (const auto& d = embedder_.model().default_prompt_name; d && embedder_.prompts().count(*d)) {
    prompt = embedder_.prompts().at(*d);
  }
  const std::string joined = prompt + text;
  std::vector<int32_t> body;
  std::string_view stripped;
  try {
    CheckUtf8(joined, "text");
    stripped = PyStrip(joined);
    body = tok->Encode(stripped);
  } catch (const Error& e) {
    throw ApiError(ErrorKind::kInvalid, e.what(), "inputs");
  }

  std::vector<TokenInfo> out;
  auto add_template = [&](const std::vector<int32_t>& ids) {
    if (!add_special_tokens) return;
    for (int32_t id : ids) out.push_back({.id = id, .text = std::string(tok->Piece(id)), .special = true});
  };
  add_template(tok->prefix_ids());
  // Offsets: walk the pieces over the stripped string; if their lengths do not add up (a
  // tokenizer this mapping does not describe), give no offsets rather than wrong ones.
  const size_t lead = static_cast<size_t>(stripped.data() - joined.data());
  std::vector<TokenInfo> body_info;
  size_t pos = 0;
  bool offsets_ok = true;
  for (int32_t id : body) {
    const bool special = tok->IsSpecial(id);
    const std::string_view piece = tok->Piece(id);
    const long n = SourceBytes(piece, special);
    TokenInfo t{.id = id, .text = std::string(piece), .special = special};
    if (n < 0 || pos + static_cast<size_t>(n) > stripped.size()) offsets_ok = false;
    if (offsets_ok) {
      t.start = lead + pos;
      t.stop = lead + pos + static_cast<size_t>(n);
      pos += static_cast<size_t>(n);
    }
    body_info.push_back(std::move(t));
  }
  offsets_ok = offsets_ok && pos == stripped.size();
  for (auto& t : body_info) {
    if (offsets_ok) {
      t.text = joined.substr(*t.start, *t.stop - *t.start);
    } else {
      t.start.reset();
      t.stop.reset();
    }
    out.push_back(std::move(t));
  }
  add_template(tok->suffix_ids());
  return out;
}

}  // namespace gembed::server
