#include "server/metrics.h"

#include <charconv>

namespace gembed::server {
namespace {

std::string Num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back as v
  return std::string(buf, r.ptr);
}

std::vector<double> LatencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}
std::vector<double> CountBounds() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048}; }
std::vector<double> TokenBounds() { return {16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536}; }

std::string Braces(const std::string& labels) { return labels.empty() ? "" : "{" + labels + "}"; }

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? Num(bounds_[i]) : "+Inf";
    *out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_sum" + Braces(labels) + " " + Num(sum_) + "\n";
  *out += name + "_count" + Braces(labels) + " " + std::to_string(count_) + "\n";
}

Metrics::Metrics()
    : batch_requests_(CountBounds()), batch_inputs_(CountBounds()), batch_tokens_(TokenBounds()), queue_time_(LatencyBounds()) {}

void Metrics::RecordRequest(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  latency_.try_emplace(route, LatencyBounds()).first->second.Observe(seconds);
}

void Metrics::RecordBatch(size_t requests, size_t inputs, size_t tokens, const std::vector<double>& queue_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++batches_;
  batch_requests_.Observe(double(requests));
  batch_inputs_.Observe(double(inputs));
  batch_tokens_.Observe(double(tokens));
  for (double q : queue_seconds) queue_time_.Observe(q);
}

void Metrics::RecordEmbedded(size_t inputs, size_t tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  inputs_ += inputs;
  tokens_ += tokens;
}

void Metrics::SetQueueDepth(size_t depth) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_depth_ = depth;
}

void Metrics::RecordRejected() {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejected_;
}

uint64_t Metrics::requests(const std::string& route, int status) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = requests_.find({route, status});
  return it == requests_.end() ? 0 : it->second;
}

uint64_t Metrics::tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

uint64_t Metrics::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP gembed_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE gembed_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "gembed_http_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP gembed_http_request_duration_seconds Time from routing to the response, by route.\n";
  out += "# TYPE gembed_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) h.Render("gembed_http_request_duration_seconds", "route=\"" + route + "\"", &out);
  out += "# HELP gembed_embedded_inputs_total Inputs embedded (successful requests).\n";
  out += "# TYPE gembed_embedded_inputs_total counter\n";
  out += "gembed_embedded_inputs_total " + std::to_string(inputs_) + "\n";
  out += "# HELP gembed_embedded_tokens_total Tokens the model saw, <bos>/<eos> included (successful requests).\n";
  out += "# TYPE gembed_embedded_tokens_total counter\n";
  out += "gembed_embedded_tokens_total " + std::to_string(tokens_) + "\n";
  out += "# HELP gembed_queue_rejected_total Requests refused because the batch queue was full.\n";
  out += "# TYPE gembed_queue_rejected_total counter\n";
  out += "gembed_queue_rejected_total " + std::to_string(rejected_) + "\n";
  out += "# HELP gembed_queue_depth Requests waiting for a batch.\n";
  out += "# TYPE gembed_queue_depth gauge\n";
  out += "gembed_queue_depth " + std::to_string(queue_depth_) + "\n";
  out += "# HELP gembed_batches_total Batches run by the model.\n";
  out += "# TYPE gembed_batches_total counter\n";
  out += "gembed_batches_total " + std::to_string(batches_) + "\n";
  out += "# HELP gembed_batch_requests Requests merged into one batch.\n";
  out += "# TYPE gembed_batch_requests histogram\n";
  batch_requests_.Render("gembed_batch_requests", "", &out);
  out += "# HELP gembed_batch_inputs Inputs in one batch.\n";
  out += "# TYPE gembed_batch_inputs histogram\n";
  batch_inputs_.Render("gembed_batch_inputs", "", &out);
  out += "# HELP gembed_batch_tokens Tokens in one batch.\n";
  out += "# TYPE gembed_batch_tokens histogram\n";
  batch_tokens_.Render("gembed_batch_tokens", "", &out);
  out += "# HELP gembed_queue_time_seconds Time a request waited in the queue before its batch started.\n";
  out += "# TYPE gembed_queue_time_seconds histogram\n";
  queue_time_.Render("gembed_queue_time_seconds", "", &out);
  return out;
}

}  // namespace gembed::server
