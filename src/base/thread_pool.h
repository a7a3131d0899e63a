// A fixed-size pool that runs ParallelFor ranges on exactly the threads asked for
// (the calling thread is one of them). Used by the kernels; one pool per Embedder.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
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

  // Calls fn(begin, end) on disjoint chunks covering [0, n), at most one chunk per
  // thread, and returns when all are done. Calls from several threads are serialised.
  void ParallelFor(size_t n, const std::function<void(size_t, size_t)>& fn);

 private:
  void WorkerLoop(int index);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one ParallelFor at a time
  std::mutex mutex_;
  std::condition_variable start_cv_, done_cv_;
  // A forward pass issues hundreds of short ParallelFor calls; waking a sleeping thread
  // costs tens of microseconds each time, so workers and the caller spin briefly on these
  // atomics before they block on the condition variables.
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t job_n_ = 0;
  std::atomic<size_t> generation_{0};
  std::atomic<int> pending_{0};
  bool stop_ = false;
};

}  // namespace gembed
