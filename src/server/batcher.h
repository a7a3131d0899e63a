// Dynamic batching: requests from many HTTP threads are queued, and one worker thread merges
// as many queued requests as fit a token budget into a single Embedder::Embed call.
//
// Why one worker: Embed already spreads a batch over all of the embedder's threads, so two
// concurrent Embed calls would only fight over the cores; merging small requests instead
// gives the encoder larger matrices (better GEMM efficiency) at the cost of a short wait.
// Results do not depend on batch mates (the embedder runs ragged batches without padding),
// so a merged request gets exactly the floats it would get alone (batcher_test checks it).
//
// Requests are whole units: a request is never split between batches, and one larger than
// the budget runs alone (Embed then cuts it into forward passes itself).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.h"

namespace gembed {
class Embedder;
}

namespace gembed::server {

class Metrics;

struct BatcherOptions {
  size_t max_batch_tokens = 8192;  // merge queued requests while their tokens fit this
  size_t max_queue = 256;          // requests waiting (not yet in a batch); more are refused
};

// Thrown by Submit when the queue is full (the HTTP layer answers 503/429).
class QueueFullError : public Error {
 public:
  using Error::Error;
};

// Full-dimension model outputs, one per submitted sequence, in order.
using Embeddings = std::vector<std::vector<float>>;

class Batcher {
 public:
  Batcher(const Embedder& embedder, BatcherOptions options, Metrics* metrics);
  ~Batcher();  // Stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues final token ids (already prepared: <bos>/<eos> included, within the model's
  // limit). Throws QueueFullError when max_queue requests are waiting, gembed::Error after
  // Stop(). The future throws what Embed threw, if it failed. `normalize`: as
  // EmbedOptions::normalize (false: the vectors before the model's Normalize module).
  std::future<Embeddings> Submit(std::vector<std::vector<int32_t>> seqs, bool normalize = true);

  // Refuses new requests, finishes every queued one, then joins the worker. Idempotent.
  void Stop();

  size_t queue_depth() const;

 private:
  struct Job {
    std::vector<std::vector<int32_t>> seqs;
    bool normalize = true;
    size_t tokens = 0;
    std::chrono::steady_clock::time_point queued;
    std::promise<Embeddings> done;
  };
  void Work();
  void Run(std::vector<std::unique_ptr<Job>>& batch);

  const Embedder& embedder_;
  const BatcherOptions options_;
  Metrics* metrics_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace gembed::server
