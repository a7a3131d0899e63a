#include "embedder/embedder.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "base/thread_pool.h"
#include "base/utf8.h"
#include "kernels/ops.h"

namespace gembed {
namespace {

// Cap on the tokens of one ragged batch: bounds the activations' memory
// (≈ 16 × 1152 × 4 B per token for the real model's buffers) whatever the batch size.
constexpr size_t kMaxBatchTokens = 16384;

}  // namespace

Embedder::Embedder(ModelFolder model, int threads)
    : model_(std::move(model)), pool_(std::make_unique<ThreadPool>(threads)) {}

Embedder::~Embedder() = default;

std::unique_ptr<Embedder> Embedder::Load(const std::string& dir, const EmbedderOptions& options) {
  if (options.threads < 0) throw Error("threads must be ≥ 0 (0 = all cores)");
  return std::unique_ptr<Embedder>(new Embedder(ModelFolder::Load(dir, options.weights, true, options.activations), options.threads));
}

int Embedder::num_threads() const { return pool_->num_threads(); }

std::string Embedder::ResolvePrompt(const EmbedInput& input, const EmbedOptions& options) const {
  if (input.title) {
    CheckUtf8(*input.title, "title");
    return "title: " + (input.title->empty() ? std::string("none") : *input.title) + " | text: ";
  }
  auto named = [&](const std::string& name) -> std::string {
    auto it = model_.prompts.find(name);
    if (it == model_.prompts.end()) {
      std::string known;
      for (const auto& kv : model_.prompts) known += (known.empty() ? "" : ", ") + kv.first;
      throw Error("unknown prompt name '" + name + "'; this model has: " +
                  (known.empty() ? "(no prompts)" : known));
    }
    return it->second;
  };
  if (input.prompt) return *input.prompt;
  if (input.prompt_name) return named(*input.prompt_name);
  if (options.prompt) return *options.prompt;
  if (options.prompt_name) return named(*options.prompt_name);
  if (model_.default_prompt_name) return named(*model_.default_prompt_name);
  return "";
}

PreparedInput Embedder::Prepare(const EmbedInput& input, const EmbedOptions& options) const {
  PreparedInput p;
  const size_t max_len = static_cast<size_t>(model_.max_seq_length);
  auto over_long = [&](size_t n) {
    return Error(std::to_string(n) + " tokens; the model takes at most " + std::to_string(max_len) +
                 " (strict mode; without it the input would be truncated)");
  };

  if (input.ids) {
    const std::vector<int32_t>& ids = *input.ids;
    if (ids.empty()) throw Error("no token ids");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] >= model_.config.vocab_size) {
        throw Error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                    " is outside the vocabulary (0.." + std::to_string(model_.config.vocab_size - 1) + ")");
      }
    }
    p.input_tokens = static_cast<int>(ids.size());
    p.ids = ids;
    if (ids.size() > max_len) {
      if (options.strict) throw over_long(ids.size());
      // Keep the last id (the <eos> the model was trained to see) like text truncation does.
      p.ids.resize(max_len);
      p.ids.back() = ids.back();
      p.truncated = true;
    }
    return p;
  }

  if (model_.tokenizer == nullptr) {
    throw Error(model_.path + " has no tokenizer.json, so only token-id inputs can be embedded");
  }
  const std::string prompt = ResolvePrompt(input, options);
  CheckUtf8(prompt, "prompt");
  CheckUtf8(input.text, "text");
  const std::string joined = prompt + input.text;
  p.input_string = std::string(PyStrip(joined));
  if (p.input_string.empty()) throw Error("nothing to embed (empty text and no prompt)");

  const std::vector<int32_t> body = model_.tokenizer->Encode(p.input_string);
  const auto& prefix = model_.tokenizer->prefix_ids();
  const auto& suffix = model_.tokenizer->suffix_ids();
  const size_t room = max_len - std::min(max_len, prefix.size() + suffix.size());
  p.input_tokens = static_cast<int>(body.size() + prefix.size() + suffix.size());
  size_t keep = body.size();
  if (keep > room) {
    if (options.strict) throw over_long(static_cast<size_t>(p.input_tokens));
    keep = room;
    p.truncated = true;
  }
  p.ids.reserve(keep + prefix.size() + suffix.size());
  p.ids.insert(p.ids.end(), prefix.begin(), prefix.end());
  p.ids.insert(p.ids.end(), body.begin(), body.begin() + static_cast<std::ptrdiff_t>(keep));
  p.ids.insert(p.ids.end(), suffix.begin(), suffix.end());
  for (size_t i = 0; i < p.ids.size(); ++i) {
    // The Gemma 3 tokenizer knows id 262144 (<image_soft_token>), one past the embedding.
    if (p.ids[i] >= model_.config.vocab_size) {
      throw Error("token '" + std::string(model_.tokenizer->Piece(p.ids[i])) + "' (id " +
                  std::to_string(p.ids[i]) + ") has no embedding in this model (vocabulary " +
                  std::to_string(model_.config.vocab_size) + ")");
    }
  }
  return p;
}

void Embedder::RunBatch(std::span<const std::vector<int32_t>* const> seqs, bool normalize, float* out) const {
  std::vector<int32_t> ids;
  std::vector<int> lengths;
  for (const auto* s : seqs) {
    ids.insert(ids.end(), s->begin(), s->end());
    lengths.push_back(static_cast<int>(s->size()));
  }
  const size_t h = model_.config.hidden_size;
  std::vector<float> hidden(ids.size() * h);
  model_.encoder->Forward(ids, lengths, hidden.data(), pool_.get());
  std::vector<float> x(seqs.size() * h);
  MeanPool(hidden.data(), lengths, h, x.data());
  for (const DenseLayer& d : model_.dense) {
    std::vector<float> y(seqs.size() * d.out_features);
    d.Apply(x.data(), seqs.size(), y.data(), pool_.get());
    x = std::move(y);
  }
  const size_t od = output_dim();
  if (model_.normalize && normalize) {
    for (size_t s = 0; s < seqs.size(); ++s) L2Normalize(&x[s * od], od);
  }
  std::copy(x.begin(), x.end(), out);
}

std::vector<EmbedResult> Embedder::Embed(std::span<const EmbedInput> inputs, const EmbedOptions& options) const {
  const int full = output_dim();
  const int dim = options.dim == 0 ? full : options.dim;
  if (dim < 1 || dim > full) {
    throw Error("dimension " + std::to_string(options.dim) + " is not possible: choose 1.." + std::to_string(full) +
                " (Matryoshka dimensions of EmbeddingGemma: 768, 512, 256, 128)");
  }
  if (options.batch_size < 1) throw Error("batch size must be ≥ 1");

  // Tokenise everything first, so a bad input fails the call before any compute.
  std::vector<PreparedInput> prepared;
  prepared.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    try {
      prepared.push_back(Prepare(inputs[i], options));
    } catch (const Error& e) {
      throw InputError(i, e.what());
    }
  }

  // Longest first keeps batches of similar length, which keeps their work balanced.
  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return prepared[a].ids.size() > prepared[b].ids.size(); });

  std::vector<float> full_out(inputs.size() * full);
  for (size_t start = 0; start < order.size();) {
    std::vector<const std::vector<int32_t>*> batch;
    size_t tokens = 0, end = start;
    while (end < order.size() && batch.size() < static_cast<size_t>(options.batch_size)) {
      const size_t n = prepared[order[end]].ids.size();
      if (!batch.empty() && tokens + n > kMaxBatchTokens) break;
      batch.push_back(&prepared[order[end]].ids);
      tokens += n;
      ++end;
    }
    std::vector<float> out(batch.size() * full);
    RunBatch(batch, options.normalize, out.data());
    for (size_t k = 0; k < batch.size(); ++k) {
      std::copy(out.begin() + k * full, out.begin() + (k + 1) * full, full_out.begin() + order[start + k] * full);
    }
    start = end;
  }

  std::vector<EmbedResult> results(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EmbedResult& r = results[i];
    r.embedding.assign(full_out.begin() + i * full, full_out.begin() + i * full + dim);
    // Matryoshka: truncate, then re-normalise (a model without Normalize, or a call that
    // asked for the vector before it, stays unnormalised).
    if (dim < full && model_.normalize && options.normalize) L2Normalize(r.embedding.data(), dim);
    r.tokens = static_cast<int>(prepared[i].ids.size());
    r.input_tokens = prepared[i].input_tokens;
    r.truncated = prepared[i].truncated;
  }
  return results;
}

}  // namespace gembed
