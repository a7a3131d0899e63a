// A fixed-size pool that runs ParallelFor ranges on exactly the threads asked for
// (the calling thread is one of them). Used by the kernels; one pool per Embedder.
//
// Work is handed out in small chunks that threads claim from a shared counter, so the
// caller never waits for a worker that has not started: on a busy machine, where a worker
// may not get a core for milliseconds, the caller simply does the chunks itself. Threads
// spin briefly before sleeping, because a forward pass issues hundreds of short calls and
// waking a sleeping thread costs tens of microseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gembed {

class ThreadPool {
 public:
  // num_threads <= 0 means "all hardware threads".
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n) (up to 4 chunks per thread,
  // each run by whichever thread claims it) and returns when all are done. Calls from
  // several threads are serialised. fn must not call ParallelFor on the same pool.
  void ParallelFor(size_t n, const std::function<void(size_t, size_t)>& fn);

 private:
  void WorkerLoop();
  // Claims and runs chunks of generation `gen` until none are left.
  void RunChunks(uint32_t gen);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one ParallelFor at a time

  // The current job. `claim_` packs (generation << 32 | next chunk); a thread may run a
  // chunk only after advancing it with a compare-and-swap that still sees its generation,
  // so a late worker can never touch a finished job.
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t job_n_ = 0;
  uint32_t job_chunks_ = 0;
  std::atomic<uint64_t> claim_{0};
  std::atomic<uint32_t> done_{0};

  std::mutex mutex_;
  std::condition_variable start_cv_, done_cv_;
  std::atomic<int> sleeping_{0};
  bool caller_sleeping_ = false;
  bool stop_ = false;
};

}  // namespace gembed
