// gembed serve: the HTTP embedding server (src/server) over one loaded model.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/error.h"
#include "cli/commands.h"
#include "embedder/embedder.h"
#include "server/http_server.h"

namespace gembed::cli {

int RunServe(const ServeArgs& args) {
  // SIGTERM/SIGINT are handled by a thread that sigwait()s (httplib's stop() is not
  // async-signal-safe). They are blocked before any thread starts — the embedder's pool
  // included — so every thread inherits the mask and none is interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  server::ServerOptions opt;
  opt.host = args.host;
  opt.port = args.port;
  opt.api_key = args.api_key;
  if (opt.api_key.empty()) {
    if (const char* k = std::getenv("GEMBED_API_KEY")) opt.api_key = k;
  }
  opt.max_batch_tokens = args.max_batch_tokens;
  opt.max_queue = args.max_queue;
  opt.max_body_bytes = args.max_body_bytes;
  opt.max_inputs = args.max_inputs;
  opt.http_threads = args.http_threads;
  opt.int8_range = args.int8_range;
  const std::string model = ResolveModelPath(args.model);
  opt.model_id = args.model_id.empty() ? model : args.model_id;

  auto embedder = Embedder::Load(model, {.threads = args.threads, .weights = args.weights});
  for (const std::string& spec : args.collections) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw Error("--collection expects NAME=PATH.db, got \"" + spec + "\"");
    }
    const std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
    const bool existed = std::filesystem::exists(path);
    try {
      opt.collections.push_back({name, server::OpenServedCollection(*embedder, model, path)});
    } catch (const Error& e) {
      throw Error("--collection " + name + ": " + e.what());
    }
    std::fprintf(stderr, "gembed: collection %s: %s (%s, %lld documents)\n", name.c_str(), path.c_str(),
                 existed ? "opened" : "created", static_cast<long long>(opt.collections.back().collection->document_count()));
  }
  server::EmbeddingServer server(*embedder, opt);
  const int port = server.Bind();
  std::fprintf(stderr, "gembed: listening on http://%s:%d\n", opt.host.c_str(), port);
  std::fflush(stderr);

  // First signal: stop accepting and drain. A second one while draining: exit at once.
  std::atomic<bool> served{false};
  std::thread signals([&server, &served, stop_signals] {
    for (int received = 0;;) {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      if (served) return;  // woken by RunServe itself after Serve() returned
      const char* name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
      if (++received == 1) {
        std::fprintf(stderr, "gembed: %s: finishing requests in flight, then exiting (again to exit now)\n", name);
        server.Stop();
      } else {
        std::fprintf(stderr, "gembed: %s again: exiting without finishing\n", name);
        std::_Exit(1);
      }
    }
  });
  server.Serve();
  served = true;
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  std::fprintf(stderr, "gembed: stopped\n");
  return 0;
}

}  // namespace gembed::cli
