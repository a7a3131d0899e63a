#include "base/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace gembed {
namespace {

constexpr int kSpinIterations = 20000;  // ~50–300 µs of pause instructions

inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

inline uint32_t Generation(uint64_t claim) { return static_cast<uint32_t>(claim >> 32); }
inline uint32_t NextChunk(uint64_t claim) { return static_cast<uint32_t>(claim); }

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  num_threads_ = num_threads;
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks(uint32_t gen) {
  for (;;) {
    uint64_t c = claim_.load(std::memory_order_acquire);
    if (Generation(c) != gen) return;
    const uint32_t chunks = job_chunks_;  // valid for `gen` if the CAS below succeeds
    if (NextChunk(c) >= chunks) return;
    if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
    const size_t i = NextChunk(c), n = job_n_;
    const size_t begin = n * i / chunks, end = n * (i + 1) / chunks;
    if (begin < end) (*job_)(begin, end);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (caller_sleeping_) done_cv_.notify_one();
    }
  }
}

void ThreadPool::ParallelFor(size_t n, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  if (num_threads_ == 1 || n == 1) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  const uint32_t chunks = static_cast<uint32_t>(std::min<size_t>(n, 4 * static_cast<size_t>(num_threads_)));
  // Close the previous generation before touching the job fields: a worker still in
  // RunChunks with a claim word it loaded earlier reads job_chunks_ unsynchronised, and could
  // otherwise see the new (larger) count and CAS-claim a chunk "of the old job" that does not
  // exist — running a chunk of the new job twice and counting one completion too many (a hang:
  // done_ overshoots). Any CAS against an older claim word now fails, and the sentinel
  // "next chunk" claims nothing; the generation is unchanged, so sleeping workers stay asleep.
  const uint64_t closed = (claim_.load(std::memory_order_relaxed) & ~uint64_t{0xffffffff}) | 0xffffffffu;
  claim_.store(closed);
  job_ = &fn;
  job_n_ = n;
  job_chunks_ = chunks;
  done_.store(0, std::memory_order_relaxed);
  const uint32_t gen = Generation(claim_.load(std::memory_order_relaxed)) + 1;
  // seq_cst on both sides of the (claim_, sleeping_) pair: a worker going to sleep either
  // sees the new generation or is seen as sleeping and woken.
  claim_.store(static_cast<uint64_t>(gen) << 32);  // publishes the job
  if (sleeping_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    start_cv_.notify_all();
  }
  RunChunks(gen);
  for (int i = 0; i < kSpinIterations && done_.load(std::memory_order_acquire) != chunks; ++i) CpuRelax();
  if (done_.load(std::memory_order_acquire) != chunks) {
    std::unique_lock<std::mutex> lock(mutex_);
    caller_sleeping_ = true;
    done_cv_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == chunks; });
    caller_sleeping_ = false;
  }
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinIterations && Generation(claim_.load(std::memory_order_acquire)) == seen; ++i) {
      CpuRelax();
    }
    if (Generation(claim_.load(std::memory_order_acquire)) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      start_cv_.wait(lock, [&] { return stop_ || Generation(claim_.load()) != seen; });
      sleeping_.fetch_sub(1, std::memory_order_acq_rel);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
    }
    seen = Generation(claim_.load(std::memory_order_acquire));
    RunChunks(seen);
  }
}

}  // namespace gembed
