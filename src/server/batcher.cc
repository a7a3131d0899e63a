#include "server/batcher.h"

#include <exception>

#include "embedder/embedder.h"
#include "server/metrics.h"

namespace gembed::server {

Batcher::Batcher(const Embedder& embedder, BatcherOptions options, Metrics* metrics)
    : embedder_(embedder), options_(options), metrics_(metrics) {
  if (options_.max_batch_tokens < 1) throw Error("max batch tokens must be ≥ 1");
  if (options_.max_queue < 1) throw Error("max queue must be ≥ 1");
  worker_ = std::thread([this] { Work(); });
}

Batcher::~Batcher() { Stop(); }

std::future<Embeddings> Batcher::Submit(std::vector<std::vector<int32_t>> seqs, bool normalize) {
  auto job = std::make_unique<Job>();
  job->normalize = normalize;
  for (const auto& s : seqs) job->tokens += s.size();
  job->seqs = std::move(seqs);
  job->queued = std::chrono::steady_clock::now();
  std::future<Embeddings> result = job->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) throw Error("the server is shutting down");
    if (queue_.size() >= options_.max_queue) {
      if (metrics_ != nullptr) metrics_->RecordRejected();
      throw QueueFullError("the request queue is full (" + std::to_string(options_.max_queue) +
                           " requests waiting); retry later");
    }
    queue_.push_back(std::move(job));
    if (metrics_ != nullptr) metrics_->SetQueueDepth(queue_.size());
  }
  cv_.notify_one();
  return result;
}

void Batcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

size_t Batcher::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void Batcher::Work() {
  for (;;) {
    std::vector<std::unique_ptr<Job>> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      // First come, first served: take from the front while the budget allows (the first
      // job always goes, however large).
      size_t tokens = 0;
      while (!queue_.empty() && (batch.empty() || tokens + queue_.front()->tokens <= options_.max_batch_tokens)) {
        tokens += queue_.front()->tokens;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (metrics_ != nullptr) metrics_->SetQueueDepth(queue_.size());
    }
    Run(batch);
  }
}

void Batcher::Run(std::vector<std::unique_ptr<Job>>& batch) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> waits;
  size_t tokens = 0, seqs = 0;
  for (auto& job : batch) {
    waits.push_back(std::chrono::duration<double>(start - job->queued).count());
    tokens += job->tokens;
    seqs += job->seqs.size();
  }
  if (metrics_ != nullptr) metrics_->RecordBatch(batch.size(), seqs, tokens, waits);
  // One Embed call per `normalize` setting (almost always just one): the embedder stays the
  // only place that applies the model's Normalize module, so results equal Embed's.
  for (const bool normalize : {true, false}) {
    std::vector<Job*> group;
    std::vector<EmbedInput> inputs;
    for (auto& job : batch) {
      if (job->normalize != normalize) continue;
      group.push_back(job.get());
      for (auto& s : job->seqs) inputs.push_back(EmbedInput{.ids = std::move(s)});
    }
    if (group.empty()) continue;
    try {
      EmbedOptions opt;
      opt.normalize = normalize;
      // The embedder's own token cap (and our budget) bound each forward pass; no count cap.
      opt.batch_size = static_cast<int>(std::max<size_t>(1, inputs.size()));
      std::vector<EmbedResult> results = embedder_.Embed(inputs, opt);
      size_t k = 0;
      for (Job* job : group) {
        Embeddings out;
        out.reserve(job->seqs.size());
        for (size_t i = 0; i < job->seqs.size(); ++i) out.push_back(std::move(results[k++].embedding));
        job->done.set_value(std::move(out));
      }
    } catch (...) {
      // One failure fails the whole group: ids were validated before queueing, so this is an
      // engine failure (e.g. out of memory), not one request's bad input.
      for (Job* job : group) job->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace gembed::server
