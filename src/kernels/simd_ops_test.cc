// Every ISA's element-wise kernels and panel packers against the plain reference ops.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/ops.h"
#include "kernels/simd_kernels.h"

namespace gembed {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<const SimdKernels*> AllKernels() {
  std::vector<const SimdKernels*> ks;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(isa)) ks.push_back(&SimdKernelsFor(isa));
  }
  return ks;
}

TEST(SimdOps, GeluTanhGateMatchesTheReference) {
  for (size_t n : {1, 7, 16, 33, 1000}) {
    const std::vector<float> gate = Random(n, 1 + n, -12, 12), up = Random(n, 2 + n, -2, 2);
    std::vector<float> want = gate;
    GeluTanhGate(want.data(), up.data(), n);
    for (const SimdKernels* k : AllKernels()) {
      std::vector<float> got = gate;
      k->gelu_tanh_gate(got.data(), up.data(), n);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-6f + 1e-6f * std::fabs(want[i])) << IsaName(k->isa) << " x=" << gate[i];
      }
    }
  }
}

TEST(SimdOps, SoftmaxMatchesTheReferenceIncludingHugeLogits) {
  for (size_t n : {1, 5, 16, 17, 300}) {
    std::vector<float> x = Random(n, 3 + n, -30, 30);
    x[0] = 1e4f;  // one dominant logit: the rest underflow to 0, nothing becomes NaN
    if (n > 2) x[1] = -1e30f;
    std::vector<float> want = x;
    Softmax(want.data(), n);
    for (const SimdKernels* k : AllKernels()) {
      std::vector<float> got = x;
      k->softmax(got.data(), n);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 1e-6f) << IsaName(k->isa) << " n " << n;
    }
  }
}

TEST(SimdOps, RmsNormMatchesTheReference) {
  for (size_t n : {16, 40, 256, 768}) {
    const std::vector<float> x = Random(n, 5 + n, -3, 3), w = Random(n, 6 + n, -1, 1);
    std::vector<float> want(n);
    GemmaRmsNorm(x.data(), w.data(), n, 1e-6f, want.data());
    for (const SimdKernels* k : AllKernels()) {
      std::vector<float> got(n);
      k->rms_norm(x.data(), w.data(), n, 1e-6f, got.data());
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 2e-6f * (1 + std::fabs(want[i]))) << IsaName(k->isa);
    }
  }
}

// Attention uses the packers to multiply by keys (rows are outputs) and by values (rows are
// the reduction index).
TEST(SimdOps, PackedPanelsMultiplyLikeTheReference) {
  const size_t rows = 11, in = 48, out = 37;
  const std::vector<float> x = Random(rows * in, 7, -1, 1), w = Random(out * in, 8, -1, 1);
  std::vector<float> want(rows * out);
  MatMulWT(x.data(), rows, in, w.data(), out, want.data(), nullptr);
  std::vector<float> panels(3 * in * kPanel + 16);
  float* aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(panels.data()) + 63) & ~uintptr_t{63});
  PackPanelsF32(w.data(), in, out, in, aligned);
  // Transposed: wt[in, out'] with out' = 48 (a multiple of 16) holding wᵀ in its first 37 columns.
  std::vector<float> wt(in * 48, 0.0f);
  for (size_t r = 0; r < out; ++r) {
    for (size_t k = 0; k < in; ++k) wt[k * 48 + r] = w[r * in + k];
  }
  std::vector<float> tpanels(3 * in * kPanel + 16);
  float* taligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(tpanels.data()) + 63) & ~uintptr_t{63});
  PackPanelsF32Transposed(wt.data(), 48, in, 48, in, taligned);
  for (const SimdKernels* k : AllKernels()) {
    for (const float* P : {static_cast<const float*>(aligned), static_cast<const float*>(taligned)}) {
      std::vector<float> got(rows * out);
      k->gemm_f32(x.data(), in, rows, P, in * kPanel, 3, in, got.data(), out, out);
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5f) << IsaName(k->isa);
    }
  }
}

}  // namespace
}  // namespace gembed
