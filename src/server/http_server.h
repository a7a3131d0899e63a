// gembed's embedding server: OpenAI- and TEI-compatible routes over one Embedder, with
// dynamic batching, limits, an optional API key and Prometheus metrics. See docs/server.md.
//
//   EmbeddingServer server(*embedder, {.port = 0});
//   int port = server.Bind();   // listening from here on
//   server.Serve();             // blocks until Stop() (from another thread), then drains
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "server/batcher.h"
#include "server/collection_api.h"
#include "server/embedding_service.h"
#include "server/metrics.h"

namespace httplib {
class Server;
}

namespace gembed::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                    // 0 = any free port (Bind returns it)
  std::string api_key;                // "" = no authentication
  std::string model_id;               // reported by /info, /v1/models and responses
  size_t max_batch_tokens = 8192;     // token budget of one merged batch
  size_t max_queue = 32;              // requests waiting for a batch; more get 503/429
  size_t max_body_bytes = 2u << 20;   // larger bodies get 413
  size_t max_inputs = 2048;           // inputs per request; more get 413
  int http_threads = 64;              // connections served at once (each holds a thread)
  double int8_range = 1.0;            // int8/uint8 precision: per-dimension range [-r, r]
  int keep_alive_seconds = 5;         // idle keep-alive connections close after this
  // Collections served under /collections (collection_api.h); each must have been built with
  // the served model (checked by the constructor, which throws gembed::Error otherwise).
  std::vector<ServedCollection> collections;
};

class EmbeddingServer {
 public:
  EmbeddingServer(const Embedder& embedder, ServerOptions options);
  ~EmbeddingServer();

  // Binds and listens on host:port; returns the port. Throws gembed::Error.
  int Bind();
  // Serves until Stop(); then lets requests in flight finish and drains the batch queue.
  void Serve();
  // Stops accepting connections (thread-safe, not async-signal-safe: call it from a
  // thread, e.g. one that sigwait()s).
  void Stop();

  const Metrics& metrics() const { return metrics_; }

 private:
  void Routes();

  const Embedder& embedder_;
  ServerOptions options_;
  Metrics metrics_;
  Batcher batcher_;
  EmbeddingService service_;
  CollectionApi collections_;
  std::unique_ptr<httplib::Server> http_;
  std::atomic<bool> serving_{false}, stop_requested_{false};
  int listen_fd_ = -1;  // the listening socket (httplib's), to raise its backlog
};

}  // namespace gembed::server
