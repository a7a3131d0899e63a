#include "model/encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "kernels/ops.h"
#include "kernels/simd_kernels.h"
#include "model/weight_loader.h"

namespace gembed {

WeightPlan WeightPlan::Parse(const std::string& name, const std::string& activations) {
  WeightPlan p;
  p.name = name;
  if (!ParseActivationPrecision(activations, &p.activations)) {
    throw Error("unknown activation precision '" + activations + "' (expected auto, f32, high or low)");
  }
  if (name == "auto") return p;
  p.keep_stored = false;
  if (name == "mixed") {
    p.attention = WeightType::kQ8_0;
    p.ffn = WeightType::kQ4_0;
    return p;
  }
  WeightType t;
  if (!ParseWeightType(name, &t)) {
    throw Error("unknown weight type '" + name + "' (expected auto, f32, bf16, q8_0, q4_0 or mixed)");
  }
  p.attention = p.ffn = t;
  return p;
}

namespace {

// The packed type a stored tensor keeps under "auto".
WeightType NativeType(DType d) {
  switch (d) {
    case DType::kBF16: return WeightType::kBF16;
    case DType::kQ8_0: return WeightType::kQ8_0;
    case DType::kQ4_0: return WeightType::kQ4_0;
    default: return WeightType::kF32;  // F32, F16 (widened exactly), Q6_K (dequantised)
  }
}

// Packs the row-wise concatenation of `parts` (each [rows_i, in]) as one matrix of type
// `type`, straight from the stored bytes when they already are that type. Releases the
// mapped pages afterwards: the packed copy is the only one the encoder keeps.
PackedMatrix PackLinear(const std::vector<const TensorView*>& parts, WeightType type, ActivationPrecision activations) {
  const size_t in = static_cast<size_t>(parts[0]->shape[1]);
  size_t out = 0;
  bool native = true;
  for (const TensorView* t : parts) {
    out += static_cast<size_t>(t->shape[0]);
    native = native && type != WeightType::kF32 && NativeType(t->dtype) == type;
  }
  PackedMatrix m;
  if (native) {
    std::vector<uint8_t> bytes;
    for (const TensorView* t : parts) bytes.insert(bytes.end(), t->data, t->data + t->nbytes);
    switch (type) {
      case WeightType::kBF16: m = PackedMatrix::FromBf16(reinterpret_cast<const uint16_t*>(bytes.data()), out, in); break;
      case WeightType::kQ8_0: m = PackedMatrix::FromQ8_0(reinterpret_cast<const BlockQ8_0*>(bytes.data()), out, in); break;
      case WeightType::kQ4_0: m = PackedMatrix::FromQ4_0(reinterpret_cast<const BlockQ4_0*>(bytes.data()), out, in); break;
      case WeightType::kF32: break;
    }
  } else {
    std::vector<float> w;
    w.reserve(out * in);
    for (const TensorView* t : parts) {
      const std::vector<float> f = ToF32(*t);
      w.insert(w.end(), f.begin(), f.end());
    }
    m = PackedMatrix::FromF32(w.data(), out, in, type);
  }
  for (const TensorView* t : parts) {
    if (t->mapped) ReleaseMappedPages(t->data, t->nbytes);
  }
  m.set_activations(activations);
  return m;
}

}  // namespace

Encoder::Encoder(const ModelConfig& config, std::shared_ptr<const TensorStore> weights, const WeightPlan& plan)
    : config_(config), weights_(std::move(weights)), kernels_(&BestSimdKernels()) {
  WeightLoader load(*weights_);
  const int64_t h = config_.hidden_size, d = config_.head_dim, q = int64_t{config_.num_heads} * d,
                kv = int64_t{config_.num_kv_heads} * d, f = config_.intermediate_size;
  embed_ = &load.Get("embed_tokens.weight", {config_.vocab_size, h});
  // HF keeps embed_scale = sqrt(hidden) as a float32 buffer; in an f32 run that is what
  // multiplies the rows (a bf16 run would round it to 27.75 — not the reference).
  embed_scale_ = static_cast<float>(std::sqrt(static_cast<double>(config_.hidden_size)));
  auto type_for = [&](const TensorView& t, WeightType planned) { return plan.keep_stored ? NativeType(t.dtype) : planned; };
  layers_.resize(config_.num_layers);
  for (int i = 0; i < config_.num_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    Layer& w = layers_[i];
    const TensorView& qp = load.Get(p + "self_attn.q_proj.weight", {q, h});
    const TensorView& kp = load.Get(p + "self_attn.k_proj.weight", {kv, h});
    const TensorView& vp = load.Get(p + "self_attn.v_proj.weight", {kv, h});
    const TensorView& op = load.Get(p + "self_attn.o_proj.weight", {h, q});
    const TensorView& gp = load.Get(p + "mlp.gate_proj.weight", {f, h});
    const TensorView& up = load.Get(p + "mlp.up_proj.weight", {f, h});
    const TensorView& dp = load.Get(p + "mlp.down_proj.weight", {h, f});
    // A fused matrix has one type: the first part's under "auto" (parts of one checkpoint
    // share their dtype; if not, the others are converted).
    w.qkv = PackLinear({&qp, &kp, &vp}, type_for(qp, plan.attention), plan.activations);
    w.o = PackLinear({&op}, type_for(op, plan.attention), plan.activations);
    w.gate_up = PackLinear({&gp, &up}, type_for(gp, plan.ffn), plan.activations);
    w.down = PackLinear({&dp}, type_for(dp, plan.ffn), plan.activations);
    w.q_norm = load.F32(p + "self_attn.q_norm.weight", {d});
    w.k_norm = load.F32(p + "self_attn.k_norm.weight", {d});
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

std::string Encoder::weight_types() const {
  if (layers_.empty()) return "none";
  const std::string a = WeightTypeName(layers_[0].qkv.type()), f = WeightTypeName(layers_[0].gate_up.type());
  return a == f ? a : a + " attention + " + f + " ffn";
}

size_t Encoder::packed_bytes() const {
  size_t n = 0;
  for (const Layer& l : layers_) n += l.qkv.bytes() + l.o.bytes() + l.gate_up.bytes() + l.down.bytes();
  return n;
}

// cos/sin of every position of the batch for both RoPE bases: [max_len][head_dim/2] each,
// computed once per forward pass instead of once per layer.
struct Encoder::Rope {
  size_t half = 0;
  std::vector<float> cos_full, sin_full, cos_sliding, sin_sliding;
  const float* Cos(LayerType t, size_t pos) const { return (t == LayerType::kFull ? cos_full : cos_sliding).data() + pos * half; }
  const float* Sin(LayerType t, size_t pos) const { return (t == LayerType::kFull ? sin_full : sin_sliding).data() + pos * half; }
};

void Encoder::Attention(const Layer& w, LayerType type, float* qkv, std::span<const int> lengths, size_t total,
                        const Rope& rope, float* ctx, ThreadPool* pool) const {
  const SimdKernels& k = *kernels_;
  const size_t d = config_.head_dim, nh = config_.num_heads, nkv = config_.num_kv_heads, group = nh / nkv;
  const size_t qdim = nh * d, kvdim = nkv * d, ld = qdim + 2 * kvdim;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  // Scores are q·k · query_pre_attn_scalar^-½: fold the scale into q once.
  const float scale = static_cast<float>(1.0 / std::sqrt(config_.query_pre_attn_scalar));
  const float cap = static_cast<float>(config_.attn_logit_softcap);

  std::vector<size_t> seq_begin(lengths.size() + 1, 0);
  for (size_t s = 0; s < lengths.size(); ++s) seq_begin[s + 1] = seq_begin[s] + static_cast<size_t>(lengths[s]);

  // q/k norms per head, RoPE (positions restart per sequence), q scaled.
  pool->ParallelFor(lengths.size(), [&](size_t sb, size_t se) {
    for (size_t s = sb; s < se; ++s) {
      for (size_t t = seq_begin[s]; t < seq_begin[s + 1]; ++t) {
        const size_t pos = t - seq_begin[s];
        float* row = qkv + t * ld;
        for (size_t hd = 0; hd < nh + nkv; ++hd) {
          float* x = row + hd * d;
          k.rms_norm(x, (hd < nh ? w.q_norm : w.k_norm).data(), d, eps, x);
          ApplyRope(x, d, rope.Cos(type, pos), rope.Sin(type, pos));
          if (hd < nh) {
            for (size_t c = 0; c < d; ++c) x[c] *= scale;
          }
        }
      }
    }
  });

  // Keys as "weights" of the score GEMM, values as "weights" of the output GEMM, packed once
  // per (sequence, kv head). Values are packed over a length padded to whole panels, with
  // zero rows, because the output GEMM's reduction runs over whole score panels.
  std::vector<size_t> pack_off(lengths.size() + 1, 0);
  for (size_t s = 0; s < lengths.size(); ++s) {
    const size_t padded = (static_cast<size_t>(lengths[s]) + kPanel - 1) / kPanel * kPanel;
    pack_off[s + 1] = pack_off[s] + nkv * 2 * padded * d;
  }
  float* packed = KernelScratch(pack_off.back(), 2);
  pool->ParallelFor(lengths.size() * nkv, [&](size_t b, size_t e) {
    for (size_t item = b; item < e; ++item) {
      const size_t s = item / nkv, g = item % nkv, n = static_cast<size_t>(lengths[s]);
      const size_t padded = (n + kPanel - 1) / kPanel * kPanel;
      float* keys = packed + pack_off[s] + g * 2 * padded * d;
      float* values = keys + padded * d;
      const float* base = qkv + seq_begin[s] * ld;
      PackPanelsF32(base + qdim + g * d, ld, n, d, keys);
      PackPanelsF32Transposed(base + qdim + kvdim + g * d, ld, n, d, padded, values);
    }
  });

  // Work items: (sequence, kv head, block of query rows).
  constexpr size_t kQueryBlock = 64;
  struct Item {
    size_t seq, g, i0, i1;
  };
  std::vector<Item> items;
  for (size_t s = 0; s < lengths.size(); ++s) {
    for (size_t g = 0; g < nkv; ++g) {
      for (size_t i0 = 0; i0 < static_cast<size_t>(lengths[s]); i0 += kQueryBlock) {
        items.push_back({s, g, i0, std::min<size_t>(lengths[s], i0 + kQueryBlock)});
      }
    }
  }
  const size_t radius = type == LayerType::kSliding ? static_cast<size_t>(config_.window_radius()) : SIZE_MAX;
  pool->ParallelFor(items.size(), [&](size_t b, size_t e) {
    for (size_t it = b; it < e; ++it) {
      const Item& item = items[it];
      const size_t n = static_cast<size_t>(lengths[item.seq]);
      const size_t padded = (n + kPanel - 1) / kPanel * kPanel;
      const float* keys = packed + pack_off[item.seq] + item.g * 2 * padded * d;
      const float* values = keys + padded * d;
      // Keys any row of the block may see, widened to whole panels.
      const size_t j0 = radius == SIZE_MAX || item.i0 < radius ? 0 : item.i0 - radius;
      const size_t j1 = radius == SIZE_MAX ? n : std::min(n, item.i1 - 1 + radius + 1);
      const size_t p0 = j0 / kPanel, np = (j1 + kPanel - 1) / kPanel - p0, width = np * kPanel;
      const size_t rows = item.i1 - item.i0;
      float* scores = KernelScratch(rows * width, 0);
      for (size_t hl = 0; hl < group; ++hl) {
        const size_t hd = item.g * group + hl;
        const float* q = qkv + (seq_begin[item.seq] + item.i0) * ld + hd * d;
        k.gemm_f32(q, ld, rows, keys + p0 * d * kPanel, d * kPanel, np, d, scores, width, width);
        for (size_t r = 0; r < rows; ++r) {
          const size_t i = item.i0 + r;
          const size_t lo = radius == SIZE_MAX || i < radius ? 0 : i - radius;
          const size_t hi = radius == SIZE_MAX ? n : std::min(n, i + radius + 1);
          float* row = scores + r * width;
          float* valid = row + (lo - p0 * kPanel);
          if (cap > 0) {
            for (size_t j = 0; j < hi - lo; ++j) valid[j] = std::tanh(valid[j] / cap) * cap;
          }
          k.softmax(valid, hi - lo);
          std::fill(row, valid, 0.0f);
          std::fill(valid + (hi - lo), row + width, 0.0f);
        }
        float* out = ctx + (seq_begin[item.seq] + item.i0) * qdim + hd * d;
        k.gemm_f32(scores, width, rows, values + p0 * kPanel * kPanel, padded * kPanel, d / kPanel, width, out, qdim, d);
      }
    }
  });
}

void Encoder::Forward(std::span<const int32_t> ids, std::span<const int> lengths, float* hidden, ThreadPool* pool,
                      const LayerObserver* observer) const {
  size_t total = 0, max_len = 0;
  for (int len : lengths) {
    if (len <= 0) throw Error("every sequence needs at least one token");
    total += static_cast<size_t>(len);
    max_len = std::max(max_len, static_cast<size_t>(len));
  }
  if (total != ids.size()) throw Error("token count does not match the sequence lengths");
  for (int32_t id : ids) {
    if (id < 0 || id >= config_.vocab_size) {
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                  std::to_string(config_.vocab_size - 1) + ")");
    }
  }
  ThreadPool single(1);
  if (pool == nullptr) pool = &single;
  const SimdKernels& k = *kernels_;
  const size_t h = config_.hidden_size, f = config_.intermediate_size, d = config_.head_dim;
  const size_t qdim = config_.num_heads * d, qkv_dim = qdim + 2 * config_.num_kv_heads * d;
  const float eps = static_cast<float>(config_.rms_norm_eps);
  float* x = hidden;  // the residual stream lives in the output buffer

  Rope rope;
  rope.half = d / 2;
  for (auto [inv, cs, sn] : {std::tuple{&inv_freq_full_, &rope.cos_full, &rope.sin_full},
                             std::tuple{&inv_freq_sliding_, &rope.cos_sliding, &rope.sin_sliding}}) {
    cs->resize(max_len * rope.half);
    sn->resize(max_len * rope.half);
    for (size_t pos = 0; pos < max_len; ++pos) RopeCosSin(inv->data(), rope.half, pos, &(*cs)[pos * rope.half], &(*sn)[pos * rope.half]);
  }

  // Scaled embeddings, widened (or dequantised) from the mapped table one row at a time.
  // Touching a row makes the kernel map the whole 64 KB "fault-around" window of the file
  // around it; the table is 0.2–0.6 GB and rows are scattered, so a long input would pull
  // in ~100 MB that is never read again. Dropping each window after use keeps the table's
  // cost to the rows being read (the pages stay in the page cache for the next call).
  const size_t row_bytes = DTypeBytes(embed_->dtype, h);
  pool->ParallelFor(total, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      RowsToF32(*embed_, ids[t], 1, x + t * h);
      for (size_t c = 0; c < h; ++c) x[t * h + c] *= embed_scale_;
      constexpr uintptr_t kWindow = 64 * 1024;
      const uintptr_t row = reinterpret_cast<uintptr_t>(embed_->data) + static_cast<size_t>(ids[t]) * row_bytes;
      const uintptr_t lo = std::max(row & ~(kWindow - 1), reinterpret_cast<uintptr_t>(embed_->data));
      const uintptr_t hi = std::min((row + row_bytes + kWindow - 1) & ~(kWindow - 1),
                                    reinterpret_cast<uintptr_t>(embed_->data) + embed_->nbytes);
      if (embed_->mapped) ReleaseMappedPages(reinterpret_cast<const void*>(lo), hi - lo);
    }
  });
  if (observer) (*observer)(-1, x);

  std::vector<float> xn(total * h), branch(total * h), qkv(total * qkv_dim), ctx(total * qdim);
  // The feed-forward block runs over chunks of rows: its [T, 2·ffn] intermediate is the
  // largest activation, and chunks of 512 rows keep the GEMMs just as efficient.
  constexpr size_t kFfnRows = 512;
  const size_t ffn_rows = std::min(total, kFfnRows);
  std::vector<float> gate_up(ffn_rows * 2 * f), act(ffn_rows * f);
  // x += norm_a(branch); xn = norm_b(x)  (norm_b may be null: only the residual update)
  auto residual = [&](const std::vector<float>& wa, const std::vector<float>* wb) {
    pool->ParallelFor(total, [&](size_t b, size_t e) {
      float* tmp = KernelScratch(h, 0);
      for (size_t t = b; t < e; ++t) {
        k.rms_norm(&branch[t * h], wa.data(), h, eps, tmp);
        for (size_t c = 0; c < h; ++c) x[t * h + c] += tmp[c];
        if (wb) k.rms_norm(x + t * h, wb->data(), h, eps, &xn[t * h]);
      }
    });
  };
  pool->ParallelFor(total, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) k.rms_norm(x + t * h, layers_[0].input_norm.data(), h, eps, &xn[t * h]);
  });
  for (int l = 0; l < config_.num_layers; ++l) {
    const Layer& w = layers_[l];
    // h = h + post_attention_norm(attention(input_norm(h)))
    w.qkv.MatMul(xn.data(), total, qkv.data(), pool, &k);
    Attention(w, config_.layer_types[l], qkv.data(), lengths, total, rope, ctx.data(), pool);
    w.o.MatMul(ctx.data(), total, branch.data(), pool, &k);
    residual(w.post_attention_norm, &w.pre_feedforward_norm);
    // h = h + post_feedforward_norm(down(gelu_tanh(gate(x)) * up(x))), x = pre_feedforward_norm(h)
    for (size_t r0 = 0; r0 < total; r0 += ffn_rows) {
      const size_t n = std::min(ffn_rows, total - r0);
      w.gate_up.MatMul(&xn[r0 * h], n, gate_up.data(), pool, &k);
      pool->ParallelFor(n, [&](size_t b, size_t e) {
        for (size_t t = b; t < e; ++t) {
          std::memcpy(&act[t * f], &gate_up[t * 2 * f], f * sizeof(float));
          k.gelu_tanh_gate(&act[t * f], &gate_up[t * 2 * f + f], f);
        }
      });
      w.down.MatMul(act.data(), n, &branch[r0 * h], pool, &k);
    }
    const bool last = l + 1 == config_.num_layers;
    residual(w.post_feedforward_norm, last ? &final_norm_ : &layers_[l + 1].input_norm);
    if (observer) (*observer)(l, x);
  }
  // The last residual step left final_norm(h) in xn.
  std::memcpy(x, xn.data(), total * h * sizeof(float));
}

}  // namespace gembed
