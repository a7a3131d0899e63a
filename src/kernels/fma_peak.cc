// The FMA peak of this machine, for judging the GEMM: 12 independent chains of 512-bit
// FMAs (enough to cover the FMA latency) per thread, in inline assembly so that the
// compiler cannot fold or reorder them. Compiled with -mavx512f (gemm_bench only).
#include <immintrin.h>

#include <chrono>
#include <thread>
#include <vector>

namespace gembed {

// GFLOP/s of `threads` threads each running `iters` × 12 FMAs on 16 floats.
double FmaPeakGflops(int threads, long iters) {
  auto work = [iters] {
    __m512 a0 = _mm512_set1_ps(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0,
           a10 = a0, a11 = a0;
    const __m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-4f);
    for (long i = 0; i < iters; ++i) {
#define GEMBED_FMA(a) __asm__ volatile("vfmadd213ps %1, %2, %0" : "+v"(a) : "v"(y), "v"(x))
      GEMBED_FMA(a0); GEMBED_FMA(a1); GEMBED_FMA(a2); GEMBED_FMA(a3); GEMBED_FMA(a4); GEMBED_FMA(a5);
      GEMBED_FMA(a6); GEMBED_FMA(a7); GEMBED_FMA(a8); GEMBED_FMA(a9); GEMBED_FMA(a10); GEMBED_FMA(a11);
#undef GEMBED_FMA
    }
    volatile float sink = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a5), a11));
    (void)sink;
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * 16 * 12 * static_cast<double>(iters) * threads / secs / 1e9;
}

}  // namespace gembed
