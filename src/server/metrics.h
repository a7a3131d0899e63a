// Prometheus metrics of the HTTP server, rendered in the text exposition format (0.0.4).
//
// Hand-written rather than prometheus-cpp: Debian's prometheus-cpp-dev brings its own HTTP
// server (civetweb) and push client (libcurl) that we would not use, and the handful of
// counters and histograms below render in ~100 lines.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gembed::server {

// Cumulative histogram with fixed upper bounds (the +Inf bucket is implicit).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Appends `name_bucket{…le="…"}`, `name_sum`, `name_count` lines; `labels` is either "" or
  // `key="value",…` without braces.
  void Render(const std::string& name, const std::string& labels, std::string* out) const;
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); last = +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  // One finished HTTP request: its route ("/v1/embeddings", … or "other"), status and
  // seconds from the start of routing to the response being written.
  void RecordRequest(const std::string& route, int status, double seconds);
  // One batch run by the batcher: requests merged, inputs, tokens, and each request's time
  // in the queue.
  void RecordBatch(size_t requests, size_t inputs, size_t tokens, const std::vector<double>& queue_seconds);
  // Inputs and tokens of one successful embedding request.
  void RecordEmbedded(size_t inputs, size_t tokens);
  void SetQueueDepth(size_t depth);
  void RecordRejected();  // a request refused because the queue was full

  uint64_t requests(const std::string& route, int status) const;
  uint64_t tokens() const;
  uint64_t batches() const;

  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;  // by route
  Histogram batch_requests_, batch_inputs_, batch_tokens_, queue_time_;
  uint64_t inputs_ = 0, tokens_ = 0, batches_ = 0, rejected_ = 0;
  size_t queue_depth_ = 0;
};

}  // namespace gembed::server
