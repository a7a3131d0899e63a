#include "kernels/packed_matrix.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <stdexcept>
#include <vector>

#include "base/error.h"
#include "base/thread_pool.h"
#include "kernels/simd_kernels.h"

namespace gembed {

const char* WeightTypeName(WeightType t) {
  switch (t) {
    case WeightType::kF32: return "f32";
    case WeightType::kBF16: return "bf16";
    case WeightType::kQ8_0: return "q8_0";
    case WeightType::kQ4_0: return "q4_0";
  }
  return "?";
}

const char* ActivationPrecisionName(ActivationPrecision a) {
  switch (a) {
    case ActivationPrecision::kAuto: return "auto";
    case ActivationPrecision::kF32: return "f32";
    case ActivationPrecision::kHigh: return "high";
    case ActivationPrecision::kLow: return "low";
  }
  return "?";
}

bool ParseActivationPrecision(const std::string& name, ActivationPrecision* a) {
  for (ActivationPrecision c : {ActivationPrecision::kAuto, ActivationPrecision::kF32, ActivationPrecision::kHigh, ActivationPrecision::kLow}) {
    if (name == ActivationPrecisionName(c)) {
      *a = c;
      return true;
    }
  }
  return false;
}

bool ParseWeightType(const std::string& name, WeightType* t) {
  for (WeightType c : {WeightType::kF32, WeightType::kBF16, WeightType::kQ8_0, WeightType::kQ4_0}) {
    if (name == WeightTypeName(c)) {
      *t = c;
      return true;
    }
  }
  return false;
}

void PackedMatrix::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

static size_t PanelBytes(WeightType t, size_t K) {
  switch (t) {
    case WeightType::kF32: return PanelBytesF32(K);
    case WeightType::kBF16: return PanelBytesBf16(K);
    case WeightType::kQ8_0: return PanelBytesQ8_0(K);
    case WeightType::kQ4_0: return PanelBytesQ4_0(K);
  }
  return 0;
}

void PackedMatrix::Allocate(WeightType type, size_t out, size_t in) {
  if (out == 0 || in == 0) throw Error("a weight matrix needs at least one row and column");
  if ((type == WeightType::kQ8_0 || type == WeightType::kQ4_0) && in % 32 != 0) {
    throw Error(std::string("cannot store a matrix with ") + std::to_string(in) + " inputs as " +
                WeightTypeName(type) + ": its rows must be a multiple of 32");
  }
  type_ = type;
  out_ = out;
  in_ = in;
  npanels_ = (out + kPanel - 1) / kPanel;
  panel_bytes_ = (PanelBytes(type, in) + 63) / 64 * 64;
  const size_t total = npanels_ * panel_bytes_;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, total)));
  if (!data_) throw std::bad_alloc();
  std::memset(data_.get(), 0, total);  // columns past `out` stay zero
}

// Row r of W rounded to bf16 into its panel column: pair j of k at P[j·32 + 0/1].
static void RoundRowToBf16Strided(const float* w, size_t in, uint16_t* P) {
  std::vector<uint16_t> row(in + 1);
  RoundRowToBf16(w, in, row.data());
  for (size_t k = 0; k < in; ++k) P[(k / 2) * 2 * kPanel + k % 2] = row[k];
}

PackedMatrix PackedMatrix::FromF32(const float* w, size_t out, size_t in, WeightType type) {
  if (type == WeightType::kQ8_0 || type == WeightType::kQ4_0) {
    PackedMatrix m;
    m.Allocate(type, out, in);  // validates `in` before quantising
    const size_t nb = in / 32;
    if (type == WeightType::kQ8_0) {
      std::vector<BlockQ8_0> blocks(out * nb);
      for (size_t r = 0; r < out; ++r) QuantizeRowQ8_0Grid(w + r * in, in, &blocks[r * nb]);
      return FromQ8_0(blocks.data(), out, in);
    }
    std::vector<BlockQ4_0> blocks(out * nb);
    for (size_t r = 0; r < out; ++r) QuantizeRowQ4_0Grid(w + r * in, in, &blocks[r * nb]);
    return FromQ4_0(blocks.data(), out, in);
  }
  PackedMatrix m;
  m.Allocate(type, out, in);
  for (size_t r = 0; r < out; ++r) {
    const size_t p = r / kPanel, c = r % kPanel;
    if (type == WeightType::kF32) {
      float* P = reinterpret_cast<float*>(m.panel(p));
      for (size_t k = 0; k < in; ++k) P[k * kPanel + c] = w[r * in + k];
    } else {
      uint16_t* P = reinterpret_cast<uint16_t*>(m.panel(p));
      RoundRowToBf16Strided(w + r * in, in, P + c * 2);
    }
  }
  return m;
}

PackedMatrix PackedMatrix::FromBf16(const uint16_t* w, size_t out, size_t in) {
  PackedMatrix m;
  m.Allocate(WeightType::kBF16, out, in);
  for (size_t r = 0; r < out; ++r) {
    uint16_t* P = reinterpret_cast<uint16_t*>(m.panel(r / kPanel)) + (r % kPanel) * 2;
    for (size_t k = 0; k < in; ++k) P[(k / 2) * 2 * kPanel + k % 2] = w[r * in + k];
  }
  return m;
}

PackedMatrix PackedMatrix::FromQ8_0(const BlockQ8_0* w, size_t out, size_t in) {
  PackedMatrix m;
  m.Allocate(WeightType::kQ8_0, out, in);
  const size_t nb = in / 32, block_bytes = 64 + 32 * kPanel;
  for (size_t r = 0; r < out; ++r) {
    const size_t c = r % kPanel;
    uint8_t* P = m.panel(r / kPanel);
    for (size_t b = 0; b < nb; ++b) {
      const BlockQ8_0& blk = w[r * nb + b];
      uint8_t* dst = P + b * block_bytes;
      const float d = F16ToF32(blk.d);
      std::memcpy(dst + c * 4, &d, 4);
      // [g][c][i] = q + 128 of k = 4g + i (simd_kernels.h)
      for (size_t j = 0; j < 32; ++j) dst[64 + ((j / 4) * kPanel + c) * 4 + j % 4] = static_cast<uint8_t>(blk.qs[j] + 128);
    }
  }
  return m;
}

PackedMatrix PackedMatrix::FromQ4_0(const BlockQ4_0* w, size_t out, size_t in) {
  PackedMatrix m;
  m.Allocate(WeightType::kQ4_0, out, in);
  const size_t nb = in / 32, block_bytes = 64 + 16 * kPanel;
  for (size_t r = 0; r < out; ++r) {
    const size_t c = r % kPanel;
    uint8_t* P = m.panel(r / kPanel);
    for (size_t b = 0; b < nb; ++b) {
      const BlockQ4_0& blk = w[r * nb + b];
      uint8_t* dst = P + b * block_bytes;
      const float d = F16ToF32(blk.d);
      std::memcpy(dst + c * 4, &d, 4);
      // GGML's byte j holds k = j (low nibble) and j + 16 (high): [g][c][i] = byte 4g + i.
      for (size_t j = 0; j < 16; ++j) dst[64 + ((j / 4) * kPanel + c) * 4 + j % 4] = blk.qs[j];
    }
  }
  // Padding columns past `out` hold bytes 0 with scale 0: they decode (and multiply) to 0.
  return m;
}

// Decodes panel p to f32 into dst (or returns the panel itself when it is f32).
static const float* PanelF32(const SimdKernels& k, WeightType t, const uint8_t* src, size_t K, float* dst) {
  switch (t) {
    case WeightType::kF32: return reinterpret_cast<const float*>(src);
    case WeightType::kBF16: k.decode_bf16(reinterpret_cast<const uint16_t*>(src), K, dst); return dst;
    case WeightType::kQ8_0: k.decode_q8_0(src, K, dst); return dst;
    case WeightType::kQ4_0: k.decode_q4_0(src, K, dst); return dst;
  }
  return nullptr;
}

void PackedMatrix::DecodeFirstPanelForTest(const PackedMatrix& m, const SimdKernels& k, float* dst) {
  const float* p = PanelF32(k, m.type_, m.panel(0), m.in_, dst);
  if (p != dst) std::memcpy(dst, p, m.in_ * kPanel * sizeof(float));
}

void PackedMatrix::RowToF32(size_t r, float* dst) const {
  if (r >= out_) throw std::out_of_range("PackedMatrix::RowToF32");
  // Decode the row's panel into a 64-byte-aligned buffer (the decoders use aligned stores).
  std::vector<float> buf(in_ * kPanel + 16);
  float* t = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t{63});
  const float* P = PanelF32(SimdKernelsScalar(), type_, panel(r / kPanel), in_, t);
  for (size_t k = 0; k < in_; ++k) dst[k] = P[k * kPanel + r % kPanel];
}

// Runs fn(begin, end) over [0, n) on `pool`, or inline without one.
static void RunParallel(ThreadPool* pool, size_t n, const std::function<void(size_t, size_t)>& fn) {
  if (pool) {
    pool->ParallelFor(n, fn);
  } else {
    fn(0, n);
  }
}

// The work split of the int8 and bf16 paths: blocks of kRowBlock rows × groups of panel
// pairs (enough items for every thread); fn(r0, rows, first panel, end panel) per item.
static void ForEachTileRange(size_t rows, size_t npanels, ThreadPool* pool,
                             const std::function<void(size_t, size_t, size_t, size_t)>& fn) {
  constexpr size_t kRowBlock = 96;
  const size_t threads = pool ? static_cast<size_t>(pool->num_threads()) : 1;
  const size_t row_blocks = (rows + kRowBlock - 1) / kRowBlock;
  const size_t pairs = (npanels + 1) / 2;
  const size_t want_groups = std::min(pairs, std::max<size_t>(1, (4 * threads + row_blocks - 1) / row_blocks));
  const size_t pairs_per_group = (pairs + want_groups - 1) / want_groups;
  const size_t groups = (pairs + pairs_per_group - 1) / pairs_per_group;
  RunParallel(pool, row_blocks * groups, [&](size_t b, size_t e) {
    for (size_t item = b; item < e; ++item) {
      const size_t rb = item / groups, g = item % groups;
      const size_t r0 = rb * kRowBlock, nr = std::min(kRowBlock, rows - r0);
      const size_t p0 = 2 * g * pairs_per_group, p1 = std::min(npanels, 2 * std::min(pairs, (g + 1) * pairs_per_group));
      fn(r0, nr, p0, p1);
    }
  });
}

// The activations are quantised once per call, then every tile range multiplies them.
void PackedMatrix::MatMulX8(const float* x, size_t rows, bool x16, float* y, ThreadPool* pool,
                            const SimdKernels& k) const {
  const size_t nb = in_ / 32, ldq = x16 ? 2 * in_ : in_;
  // One scratch area: xq (rows × ldq int8), then dx (f32) and sx (int32), rows × nb each.
  const size_t xq_floats = (rows * ldq + 3) / 4;
  float* scratch = KernelScratch(xq_floats + 2 * rows * nb, 1);
  int8_t* xq = reinterpret_cast<int8_t*>(scratch);
  float* dx = scratch + xq_floats;
  int32_t* sx = reinterpret_cast<int32_t*>(dx + rows * nb);
  RunParallel(pool, rows, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      (x16 ? k.quantize_x16 : k.quantize_x8)(x + r * in_, in_, xq + r * ldq, dx + r * nb, sx + r * nb);
    }
  });
  const bool q4 = type_ == WeightType::kQ4_0;
  ForEachTileRange(rows, npanels_, pool, [&](size_t r0, size_t nr, size_t p0, size_t p1) {
    const size_t c0 = p0 * kPanel, cols = std::min(out_, p1 * kPanel) - c0;
    k.gemm_x8(xq + r0 * ldq, dx + r0 * nb, sx + r0 * nb, nr, in_, panel(p0), panel_bytes_, p1 - p0, q4, x16,
              y + r0 * out_ + c0, out_, cols);
  });
}

// The activations are rounded to bf16 once per call (rows padded to an even length).
void PackedMatrix::MatMulBf16(const float* x, size_t rows, float* y, ThreadPool* pool, const SimdKernels& k) const {
  const size_t k2 = (in_ + 1) / 2 * 2;
  uint16_t* xb = reinterpret_cast<uint16_t*>(KernelScratch((rows * k2 + 1) / 2, 1));
  RunParallel(pool, rows, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) RoundRowToBf16(x + r * in_, in_, xb + r * k2);
  });
  ForEachTileRange(rows, npanels_, pool, [&](size_t r0, size_t nr, size_t p0, size_t p1) {
    const size_t c0 = p0 * kPanel, cols = std::min(out_, p1 * kPanel) - c0;
    k.gemm_bf16(xb + r0 * k2, k2, nr, reinterpret_cast<const uint16_t*>(panel(p0)), panel_bytes_ / 2, p1 - p0, in_,
                y + r0 * out_ + c0, out_, cols);
  });
}

float* KernelScratch(size_t floats, int slot) {
  struct Buffer {
    float* p = nullptr;
    size_t n = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer buffers[3];
  Buffer& b = buffers[slot];
  if (b.n < floats) {
    std::free(b.p);
    b.p = static_cast<float*>(std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64));
    if (!b.p) throw std::bad_alloc();
    b.n = floats;
  }
  return b.p;
}

void PackedMatrix::MatMul(const float* x, size_t rows, float* y, ThreadPool* pool, const SimdKernels* kernels) const {
  if (rows == 0) return;
  const SimdKernels& k = kernels ? *kernels : BestSimdKernels();
  if ((type_ == WeightType::kQ8_0 || type_ == WeightType::kQ4_0) && k.gemm_x8 &&
      activations_ != ActivationPrecision::kF32) {
    MatMulX8(x, rows, activations_ != ActivationPrecision::kLow, y, pool, k);
    return;
  }
  if (type_ == WeightType::kBF16 && k.gemm_bf16 && activations_ == ActivationPrecision::kLow) {
    MatMulBf16(x, rows, y, pool, k);
    return;
  }
  // Work items: blocks of rows × groups of panel pairs. A row block (≤ 96 rows × in) stays
  // in L2 while the panels stream past it.
  constexpr size_t kRowBlock = 96;
  const size_t threads = pool ? static_cast<size_t>(pool->num_threads()) : 1;
  const size_t row_blocks = (rows + kRowBlock - 1) / kRowBlock;
  const size_t pairs = (npanels_ + 1) / 2;
  const size_t want_groups = std::min(pairs, std::max<size_t>(1, (4 * threads + row_blocks - 1) / row_blocks));
  const size_t pairs_per_group = (pairs + want_groups - 1) / want_groups;
  const size_t groups = (pairs + pairs_per_group - 1) / pairs_per_group;
  auto parallel = [&](size_t n, const std::function<void(size_t, size_t)>& fn) {
    if (pool) {
      pool->ParallelFor(n, fn);
    } else {
      fn(0, n);
    }
  };

  // With many row blocks, a compressed matrix is decoded to f32 once for the whole call
  // (a few MB of scratch) instead of once per row block; with few, each panel pair is
  // decoded right before use (a few % of the multiply's time, and no scratch: the encoder
  // runs its feed-forward block in chunks of 512 rows to stay small).
  const float* decoded = nullptr;
  if (type_ != WeightType::kF32 && row_blocks > 8) {
    float* all = KernelScratch(npanels_ * in_ * kPanel, 1);
    parallel(npanels_, [&](size_t b, size_t e) {
      for (size_t p = b; p < e; ++p) PanelF32(k, type_, panel(p), in_, all + p * in_ * kPanel);
    });
    decoded = all;
  }
  const size_t stride_floats = type_ == WeightType::kF32 ? panel_bytes_ / 4 : in_ * kPanel;
  parallel(row_blocks * groups, [&](size_t b, size_t e) {
    float* scratch = type_ == WeightType::kF32 || decoded ? nullptr : KernelScratch(2 * in_ * kPanel);
    for (size_t item = b; item < e; ++item) {
      const size_t rb = item / groups, g = item % groups;
      const size_t r0 = rb * kRowBlock, nr = std::min(kRowBlock, rows - r0);
      const size_t pair_end = std::min(pairs, (g + 1) * pairs_per_group);
      for (size_t pp = g * pairs_per_group; pp < pair_end; ++pp) {
        const size_t p = 2 * pp, np = std::min<size_t>(2, npanels_ - p);
        const float* panels;
        if (decoded) {
          panels = decoded + p * in_ * kPanel;
        } else {
          panels = PanelF32(k, type_, panel(p), in_, scratch);
          if (np == 2 && type_ != WeightType::kF32) PanelF32(k, type_, panel(p + 1), in_, scratch + in_ * kPanel);
        }
        const size_t c0 = p * kPanel, cols = std::min(out_ - c0, np * kPanel);
        k.gemm_f32(x + r0 * in_, in_, nr, panels, stride_floats, np, in_, y + r0 * out_ + c0, out_, cols);
      }
    }
  });
}

}  // namespace gembed
