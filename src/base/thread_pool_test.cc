#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace gembed {
namespace {

TEST(ThreadPool, CoversRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.num_threads(), threads);
    for (size_t n : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "threads " << threads << " n " << n;
    }
  }
}

// Back-to-back jobs whose chunk counts alternate small/large: a worker still finishing the
// previous job must never claim a chunk of the next one under the old generation (that ran
// a chunk twice and left the caller waiting forever for a count it had overshot).
TEST(ThreadPool, BackToBackJobsOfChangingSizeRunEveryIndexOnce) {
  for (int threads : {2, 3, 4}) {
    ThreadPool pool(threads);
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
    std::vector<std::atomic<int>> hits(64);
    for (int r = 0; std::chrono::steady_clock::now() < until; ++r) {
      const size_t n = r % 2 ? 64 : 2;
      for (size_t i = 0; i < n; ++i) hits[i].store(0, std::memory_order_relaxed);
      pool.ParallelFor(n, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "round " << r << " index " << i << " threads " << threads;
    }
  }
}

TEST(ThreadPool, ReusableManyTimes) {
  ThreadPool pool(2);
  std::atomic<long> sum{0};
  for (int r = 0; r < 500; ++r) {
    pool.ParallelFor(10, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) sum += static_cast<long>(i);
    });
  }
  EXPECT_EQ(sum.load(), 500L * 45);
}

// Chunks are claimed, not assigned: while the worker is held inside the one chunk it took,
// the caller runs all the others (with one fixed share per thread, three of them would wait
// for the worker and the worker would time out below).
TEST(ThreadPool, TheCallerRunsEveryChunkAWorkerHasNotClaimed) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> done{0};
    std::atomic<bool> worker_ran{false}, worker_saw_the_rest{false};
    pool.ParallelFor(8, [&](size_t b, size_t e) {  // 8 chunks of one item
      if (std::this_thread::get_id() != caller && !worker_ran.exchange(true)) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (done.load() < 7 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        worker_saw_the_rest = done.load() == 7;
      }
      done += static_cast<int>(e - b);
    });
    EXPECT_EQ(done.load(), 8);
    EXPECT_TRUE(!worker_ran.load() || worker_saw_the_rest.load()) << "round " << round;
  }
}

TEST(ThreadPool, ManyShortCallsFromSeveralCallerThreads) {
  ThreadPool pool(3);
  std::atomic<long> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int r = 0; r < 300; ++r) {
        pool.ParallelFor(17, [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) sum += static_cast<long>(i);
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum.load(), 3L * 300 * 136);
}

}  // namespace
}  // namespace gembed
