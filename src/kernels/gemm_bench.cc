// gemm_bench: GFLOP/s of the packed GEMM on EmbeddingGemma's layer shapes, per ISA, weight
// type, activation precision (auto / f32 / low, packed_matrix.h) and thread count.  Usage: gemm_bench [rows] [threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/simd_kernels.h"
#include "kernels/packed_matrix.h"

using namespace gembed;

namespace gembed {
double FmaPeakGflops(int threads, long iters);
}

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  struct Shape { const char* name; size_t in, out; };
  const Shape shapes[] = {{"q_proj", 768, 768}, {"kv_proj", 768, 256}, {"gate/up", 768, 1152}, {"down", 1152, 768}};
  ThreadPool pool(threads);
  if (IsaSupported(Isa::kAvx512)) {
    std::printf("FMA peak (12 chains of zmm FMAs per thread): 1 thread %.1f GFLOP/s, %d threads %.1f GFLOP/s\n",
                FmaPeakGflops(1, 50000000), threads, FmaPeakGflops(threads, 50000000));
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kScalar}) {
    if (!IsaSupported(isa) || (isa == Isa::kScalar && rows > 64)) continue;
    struct Variant { WeightType type; ActivationPrecision act; };
    const Variant variants[] = {{WeightType::kF32, ActivationPrecision::kAuto},  {WeightType::kBF16, ActivationPrecision::kAuto},
                                {WeightType::kBF16, ActivationPrecision::kLow},  {WeightType::kQ8_0, ActivationPrecision::kF32},
                                {WeightType::kQ8_0, ActivationPrecision::kHigh}, {WeightType::kQ8_0, ActivationPrecision::kLow},
                                {WeightType::kQ4_0, ActivationPrecision::kF32},  {WeightType::kQ4_0, ActivationPrecision::kHigh},
                                {WeightType::kQ4_0, ActivationPrecision::kLow}};
    for (const Variant& v : variants) {
      const WeightType type = v.type;
      for (const Shape& s : shapes) {
        std::vector<float> x(rows * s.in), w(s.out * s.in), y(rows * s.out);
        for (float& v : x) v = dist(rng);
        for (float& v : w) v = dist(rng);
        PackedMatrix m = PackedMatrix::FromF32(w.data(), s.out, s.in, type);
        m.set_activations(v.act);
        m.MatMul(x.data(), rows, y.data(), &pool, &SimdKernelsFor(isa));
        int reps = 0;
        const auto t0 = std::chrono::steady_clock::now();
        double secs = 0;
        do {
          m.MatMul(x.data(), rows, y.data(), &pool, &SimdKernelsFor(isa));
          ++reps;
          secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        } while (secs < 0.3);
        const double flops = 2.0 * rows * s.in * s.out * reps;
        std::printf("%-7s %-5s x %-4s %-8s rows %5zu threads %d: %7.1f GFLOP/s  %8.3f ms\n", IsaName(isa),
                    WeightTypeName(type), ActivationPrecisionName(v.act), s.name, rows, threads, flops / secs / 1e9, secs / reps * 1e3);
      }
    }
  }
}
