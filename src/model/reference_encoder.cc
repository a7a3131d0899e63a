#include "model/reference_encoder.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "base/thread_pool.h"
#include "kernels/ops.h"
#include "model/weight_loader.h"

namespace gembed {

ReferenceEncoder::ReferenceEncoder(const ModelConfig& config, std::shared_ptr<const TensorStore> weights)
    : config_(config), weights_(std::move(weights)) {
  WeightLoader load(*weights_);
  const int64_t h = config_.hidden_size, d = config_.head_dim, q = int64_t{config_.num_heads} * d,
                kv = int64_t{config_.num_kv_heads} * d, f = config_.intermediate_size;
  embed_ = &load.Get("embed_tokens.weight", {config_.vocab_size, h});
  // HF keeps embed_scale = sqrt(hidden) as a float32 buffer; in an f32 run that is what
  // multiplies the rows (a bf16 run would round it to 27.75 — not the reference).
  embed_scale_ = static_cast<float>(std::sqrt(static_cast<double>(config_.hidden_size)));
  layers_.resize(config_.num_layers);
  for (int i = 0; i < config_.num_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    ReferenceLayerWeights& w = layers_[i];
    w.q_proj = load.F32(p + "self_attn.q_proj.weight", {q, h});
    w.k_proj = load.F32(p + "self_attn.k_proj.weight", {kv, h});
    w.v_proj = load.F32(p + "self_attn.v_proj.weight", {kv, h});
    w.o_proj = load.F32(p + "self_attn.o_proj.weight", {h, q});
    w.q_norm = load.F32(p + "self_attn.q_norm.weight", {d});
    w.k_norm = load.F32(p + "self_attn.k_norm.weight", {d});
    w.gate_proj = load.F32(p + "mlp.gate_proj.weight", {f, h});
    w.up_proj = load.F32(p + "mlp.up_proj.weight", {f, h});
    w.down_proj = load.F32(p + "mlp.down_proj.weight", {h, f});
    w.input_norm = load.F32(p + "input_layernorm.weight", {h});
    w.post_attention_norm = load.F32(p + "post_attention_layernorm.weight", {h});
    w.pre_feedforward_norm = load.F32(p + "pre_feedforward_layernorm.weight", {h});
    w.post_feedforward_norm = load.F32(p + "post_feedforward_layernorm.weight", {h});
  }
  final_norm_ = load.F32("norm.weight", {h});
  load.CheckAllUsed(config_);
  inv_freq_full_.resize(d / 2);
  inv_freq_sliding_.resize(d / 2);
  RopeInvFreq(config_.rope_theta_full, d, inv_freq_full_.data());
  RopeInvFreq(config_.rope_theta_sliding, d, inv_freq_sliding_.data());
}

void ReferenceEncoder::Attention(const ReferenceLayerWeights& w, LayerType type, const float* xn, std::span<const int> lengths,
                        size_t total, float* attn_out, ThreadPool* pool) const {
  const size_t h = config_.hidden_size, d = config_.head_dim, nh = config_.num_heads, nkv = config_.num_kv_heads;
  const size_t qdim = nh * d, kvdim = nkv * d, half = d / 2;
  std::vector<float> q(total * qdim), k(total * kvdim), v(total * kvdim);
  MatMulWT(xn, total, h, w.q_proj.data(), qdim, q.data(), pool);
  MatMulWT(xn, total, h, w.k_proj.data(), kvdim, k.data(), pool);
  MatMulWT(xn, total, h, w.v_proj.data(), kvdim, v.data(), pool);

  // Where each token sits: its sequence's first row and length, and its position.
  std::vector<size_t> seq_begin(total), seq_len(total), pos(total);
  for (size_t s = 0, row = 0; s < lengths.size(); ++s) {
    for (int i = 0; i < lengths[s]; ++i, ++row) seq_begin[row] = row - i, seq_len[row] = lengths[s], pos[row] = i;
  }

  // q/k norms per head, then RoPE with this layer's base (positions restart per sequence).
  const float eps = static_cast<float>(config_.rms_norm_eps);
  const float* inv_freq = type == LayerType::kFull ? inv_freq_full_.data() : inv_freq_sliding_.data();
  pool->ParallelFor(total, [&](size_t b, size_t e) {
    std::vector<float> cs(half), sn(half);
    for (size_t t = b; t < e; ++t) {
      RopeCosSin(inv_freq, half, pos[t], cs.data(), sn.data());
      for (size_t hd = 0; hd < nh; ++hd) {
        float* x = &q[t * qdim + hd * d];
        GemmaRmsNorm(x, w.q_norm.data(), d, eps, x);
        ApplyRope(x, d, cs.data(), sn.data());
      }
      for (size_t hd = 0; hd < nkv; ++hd) {
        float* x = &k[t * kvdim + hd * d];
        GemmaRmsNorm(x, w.k_norm.data(), d, eps, x);
        ApplyRope(x, d, cs.data(), sn.data());
      }
    }
  });

  // softmax(q·kᵀ · query_pre_attn_scalar^-½ [softcapped]) · v over the allowed keys:
  // sliding layers see |i − j| ≤ radius, full layers the whole sequence.
  const float scale = static_cast<float>(1.0 / std::sqrt(config_.query_pre_attn_scalar));
  const float cap = static_cast<float>(config_.attn_logit_softcap);
  const size_t radius = type == LayerType::kSliding ? static_cast<size_t>(config_.window_radius()) : SIZE_MAX;
  const size_t group = nh / nkv;
  std::vector<float> ctx(total * qdim);
  pool->ParallelFor(total * nh, [&](size_t b, size_t e) {
    std::vector<float> scores;
    for (size_t item = b; item < e; ++item) {
      const size_t t = item / nh, hd = item % nh, kvh = hd / group;
      const size_t i = pos[t], n = seq_len[t], base = seq_begin[t];
      const size_t j0 = radius == SIZE_MAX || i < radius ? 0 : i - radius;
      const size_t j1 = radius == SIZE_MAX ? n : std::min(n, i + radius + 1);
      scores.resize(j1 - j0);
      const float* qv = &q[t * qdim + hd * d];
      for (size_t j = j0; j < j1; ++j) {
        const float* kv_row = &k[(base + j) * kvdim + kvh * d];
        float s = 0;
        for (size_t c = 0; c < d; ++c) s += qv[c] * kv_row[c];
        s *= scale;
        if (cap > 0) s = std::tanh(s / cap) * cap;
        scores[j - j0] = s;
      }
      Softmax(scores.data(), scores.size());
      float* out = &ctx[t * qdim + hd * d];
      std::fill(out, out + d, 0.0f);
      for (size_t j = j0; j < j1; ++j) {
        const float p = scores[j - j0];
        const float* vv = &v[(base + j) * kvdim + kvh * d];
        for (size_t c = 0; c < d; ++c) out[c] += p * vv[c];
      }
    }
  });
  MatMulWT(ctx.data(), total, qdim, w.o_proj.data(), h, attn_out, pool);
}

void ReferenceEncoder::Forward(std::span<const int32_t> ids, std::span<const int> lengths, float* hidden, ThreadPool* pool,
                      const LayerObserver* observer) const {
  size_t total = 0;
  for (int len : lengths) {
    if (len <= 0) throw Error("every sequence needs at least one token");
    total += static_cast<size_t>(len);
  }
  if (total != ids.size()) throw Error("token count does not match the sequence lengths");
  ThreadPool single(1);
  if (pool == nullptr) pool = &single;

  const size_t h = config_.hidden_size, f = config_.intermediate_size;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden;  // the residual stream lives in the output buffer

  // Scaled embeddings, widened from the mapped table one row at a time.
  for (size_t t = 0; t < total; ++t) {
    const int32_t id = ids[t];
    if (id < 0 || id >= config_.vocab_size) {
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                  std::to_string(config_.vocab_size - 1) + ")");
    }
  }
  pool->ParallelFor(total, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      RowsToF32(*embed_, ids[t], 1, x + t * h);
      for (size_t c = 0; c < h; ++c) x[t * h + c] *= embed_scale_;
    }
  });
  if (observer) (*observer)(-1, x);

  std::vector<float> xn(total * h), branch(total * h), gate(total * f), up(total * f);
  auto norm_rows = [&](const float* in, const std::vector<float>& w, float* out) {
    pool->ParallelFor(total, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) GemmaRmsNorm(in + t * h, w.data(), h, eps, out + t * h);
    });
  };
  auto add_normed = [&](const float* in, const std::vector<float>& w) {  // x += norm(in)
    pool->ParallelFor(total, [&](size_t b, size_t e) {
      std::vector<float> tmp(h);
      for (size_t t = b; t < e; ++t) {
        GemmaRmsNorm(in + t * h, w.data(), h, eps, tmp.data());
        for (size_t c = 0; c < h; ++c) x[t * h + c] += tmp[c];
      }
    });
  };

  for (int l = 0; l < config_.num_layers; ++l) {
    const ReferenceLayerWeights& w = layers_[l];
    // h = h + post_attention_norm(attention(input_norm(h)))
    norm_rows(x, w.input_norm, xn.data());
    Attention(w, config_.layer_types[l], xn.data(), lengths, total, branch.data(), pool);
    add_normed(branch.data(), w.post_attention_norm);
    // h = h + post_feedforward_norm(down(gelu_tanh(gate(x)) * up(x))), x = pre_feedforward_norm(h)
    norm_rows(x, w.pre_feedforward_norm, xn.data());
    MatMulWT(xn.data(), total, h, w.gate_proj.data(), f, gate.data(), pool);
    MatMulWT(xn.data(), total, h, w.up_proj.data(), f, up.data(), pool);
    pool->ParallelFor(total, [&](size_t b, size_t e) { GeluTanhGate(&gate[b * f], &up[b * f], (e - b) * f); });
    MatMulWT(gate.data(), total, f, w.down_proj.data(), h, branch.data(), pool);
    add_normed(branch.data(), w.post_feedforward_norm);
    if (observer) (*observer)(l, x);
  }
  norm_rows(x, final_norm_, x);
}

}  // namespace gembed
