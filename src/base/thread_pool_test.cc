#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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

// A caller never waits for a worker that has not started: when the worker is stuck (here,
// inside a chunk of the previous call that takes long), the caller does the chunks itself.
TEST(ThreadPool, ChunksAreClaimedNotAssigned) {
  ThreadPool pool(2);
  std::atomic<int> by_caller{0};
  const auto caller = std::this_thread::get_id();
  for (int r = 0; r < 50; ++r) {
    pool.ParallelFor(8, [&](size_t b, size_t e) {
      if (std::this_thread::get_id() == caller) by_caller += static_cast<int>(e - b);
    });
  }
  EXPECT_GT(by_caller.load(), 0);
  EXPECT_LE(by_caller.load(), 50 * 8);
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
