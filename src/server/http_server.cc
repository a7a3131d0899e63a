#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "embedder/embedder.h"
#include "server/api_handlers.h"
#include "server/json_request.h"

namespace gembed::server {

using nlohmann::json;

namespace {

constexpr const char* kJson = "application/json";

// Metrics label of a path: the known routes, else "other" (bounded label values).
std::string RouteLabel(const std::string& path) {
  for (const char* r : {"/v1/embeddings", "/v1/models", "/embed", "/tokenize", "/health", "/info", "/metrics", "/collections"}) {
    if (path == r) return r;
  }
  // Collection routes by shape, not by name (a label per name or id would be unbounded).
  if (path.rfind("/collections/", 0) == 0) {
    const size_t slash = path.find('/', 13);
    if (slash != std::string::npos) {
      const std::string rest = path.substr(slash);
      if (rest == "/search") return "/collections/{name}/search";
      if (rest == "/documents") return "/collections/{name}/documents";
      if (rest.rfind("/documents/", 0) == 0) return "/collections/{name}/documents/{id}";
    }
  }
  return "other";
}

bool IsOpenAiPath(const std::string& path) { return path.rfind("/v1/", 0) == 0; }

// When routing of the current request began (httplib serves a request on one thread).
thread_local std::chrono::steady_clock::time_point t_request_start;

// Compares without stopping at the first difference (no timing hint of a prefix match).
bool SameSecret(const std::string& given, const std::string& key) {
  if (given.size() != key.size() || key.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < key.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ key[i]);
  return diff == 0;
}

// Calls a route handler with (request, body) when it takes the request (routes with path
// parameters), else with the body alone.
template <typename Handler>
HttpReply Call(const Handler& handler, const httplib::Request& req, const std::string& body) {
  if constexpr (std::is_invocable_v<const Handler&, const httplib::Request&, const std::string&>) {
    return handler(req, body);
  } else {
    return handler(body);
  }
}

}  // namespace

EmbeddingServer::EmbeddingServer(const Embedder& embedder, ServerOptions options)
    : embedder_(embedder),
      options_(std::move(options)),
      batcher_(embedder, BatcherOptions{.max_batch_tokens = options_.max_batch_tokens, .max_queue = options_.max_queue},
               &metrics_),
      service_(embedder, batcher_, &metrics_, ServiceOptions{.max_inputs = options_.max_inputs, .int8_range = options_.int8_range}),
      collections_(embedder, embedder.model().path, std::move(options_.collections), options_.max_inputs),
      http_(std::make_unique<httplib::Server>()) {
  if (options_.http_threads < 1) throw Error("http threads must be ≥ 1");
  if (!(options_.int8_range > 0)) throw Error("the int8 range must be > 0");
  if (options_.model_id.empty()) options_.model_id = embedder.model().path;
  Routes();
}

EmbeddingServer::~EmbeddingServer() {
  Stop();
  batcher_.Stop();
}

void EmbeddingServer::Routes() {
  httplib::Server& s = *http_;
  const int threads = options_.http_threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second server on a
  // port in use would bind "successfully" and share its connections.
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;  // for the backlog, see Bind()
  });
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle holds the body
  // back until the client's delayed ACK (40 ms per request on Linux).
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(options_.max_body_bytes);
  s.set_keep_alive_timeout(options_.keep_alive_seconds);
  s.set_read_timeout(30, 0);
  s.set_write_timeout(30, 0);

  s.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    // A request refused before routing (unparsable request line) has no start time.
    const bool timed = t_request_start != std::chrono::steady_clock::time_point{};
    const double seconds = timed ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request_start).count() : 0.0;
    t_request_start = {};
    metrics_.RecordRequest(RouteLabel(req.path), res.status, seconds);
  });
  // Errors httplib answers itself (404, 413 body too large, 400 unparsable request) get the
  // JSON shape of the API the path belongs to; our handlers' errors already have a body.
  s.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    ErrorKind kind = ErrorKind::kInvalid;
    std::string message = "bad request";
    if (res.status == 404) {
      kind = ErrorKind::kNotFound;
      message = "no route " + req.method + " " + req.path;
    } else if (res.status == 413) {
      kind = ErrorKind::kTooLarge;
      message = "the request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes";
    } else if (res.status >= 500) {
      kind = ErrorKind::kBackend;  // an exception escaped a handler; httplib answered 500
      message = "internal server error";
    }
    const HttpReply r = IsOpenAiPath(req.path) ? OpenAiError(ApiError(kind, message)) : TeiError(ApiError(kind, message));
    res.set_content(r.body, kJson);
    return httplib::Server::HandlerResponse::Handled;
  }));

  // Refuses a request without the right API key (when one is set); true when it may go on.
  auto authorized = [this](bool openai, const httplib::Request& req, httplib::Response& res) {
    if (options_.api_key.empty()) return true;
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) == 0 && SameSecret(auth.substr(prefix.size()), options_.api_key)) return true;
    const ApiError e(ErrorKind::kUnauthorized, auth.empty() ? "missing API key (Authorization: Bearer KEY)" : "invalid API key");
    const HttpReply r = openai ? OpenAiError(e) : TeiError(e);
    res.status = r.status;
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(r.body, kJson);
    return false;
  };
  // A GET route: the API key check, then the handler.
  auto get = [authorized](bool openai, auto handler) {
    return [authorized, openai, handler](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(openai, req, res)) return;
      const HttpReply r = Call(handler, req, req.body);
      res.status = r.status;
      res.set_content(r.body, kJson);
    };
  };
  // A POST route. The body is read through a content reader, not by httplib itself: httplib
  // 0.11 refuses bodies over 8 KB labelled application/x-www-form-urlencoded (what `curl -d`
  // sends without -H Content-Type) before our handler could run. The reader still enforces
  // --max-body-bytes (413).
  auto post = [authorized](bool openai, auto handler) {
    return [authorized, openai, handler](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& content) {
      if (req.is_multipart_form_data()) {
        const ApiError e(ErrorKind::kInvalid, "multipart bodies are not accepted; send JSON (Content-Type: application/json)");
        const HttpReply r = openai ? OpenAiError(e) : TeiError(e);
        res.status = r.status;
        res.set_header("Connection", "close");  // the body was not read
        res.set_content(r.body, kJson);
        return;
      }
      std::string body;
      if (!content([&body](const char* data, size_t n) {
            body.append(data, n);
            return true;
          })) {
        return;  // httplib set the status (413 over the limit, 400 unreadable); the error handler shapes it
      }
      if (!authorized(openai, req, res)) return;
      const HttpReply r = Call(handler, req, body);
      res.status = r.status;
      res.set_content(r.body, kJson);
    };
  };

  s.Post("/v1/embeddings", post(true, [this](const std::string& body) {
           return OpenAiEmbeddings(service_, options_.model_id, body);
         }));
  s.Get("/v1/models", get(true, [this](const std::string&) { return OpenAiModels(options_.model_id); }));
  s.Post("/embed", post(false, [this](const std::string& body) { return TeiEmbed(service_, body); }));
  s.Post("/tokenize", post(false, [this](const std::string& body) { return TeiTokenize(service_, body); }));
  s.Get("/info", get(false, [this](const std::string&) {
          json prompts = json::object();
          for (const auto& [name, text] : embedder_.prompts()) prompts[name] = text;
          json info = {
              {"model_id", options_.model_id},
              {"model_sha", nullptr},
              {"model_dtype", embedder_.model().weights_dtype},
              {"model_type", {{"embedding", {{"pooling", "mean"}}}}},
              {"max_concurrent_requests", options_.http_threads},
              {"max_input_length", embedder_.max_seq_length()},
              {"max_batch_tokens", options_.max_batch_tokens},
              {"max_batch_requests", nullptr},
              {"max_client_batch_size", options_.max_inputs},
              {"max_queue", options_.max_queue},
              {"max_body_bytes", options_.max_body_bytes},
              {"auto_truncate", false},
              {"tokenization_workers", options_.http_threads},
              {"dimensions", embedder_.output_dim()},
              {"prompts", prompts},
              {"version", "gembed 0.1.0"},
          };
          return HttpReply{200, Dump(info)};
        }));
  // Collections (collection_api.h): routes exist only when collections are served, so that a
  // plain embedding server answers them with the usual 404.
  if (!collections_.empty()) {
    s.Get("/collections", get(false, [this](const std::string&) { return collections_.List(); }));
    s.Post(R"(/collections/([^/]+)/search)", post(false, [this](const httplib::Request& req, const std::string& body) {
             return collections_.Search(req.matches[1], body);
           }));
    s.Post(R"(/collections/([^/]+)/documents)", post(false, [this](const httplib::Request& req, const std::string& body) {
             return collections_.Add(req.matches[1], body);
           }));
    // httplib has decoded %XX in the path: an id with '/' arrives whole (.+).
    s.Delete(R"(/collections/([^/]+)/documents/(.+))", get(false, [this](const httplib::Request& req, const std::string&) {
               return collections_.Delete(req.matches[1], req.matches[2]);
             }));
  }
  // Open without the API key: load balancers and scrapers probe them without credentials.
  s.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("{\"status\":\"ok\"}", kJson); });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

int EmbeddingServer::Bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.host);
  } else if (!http_->bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    throw Error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                " (address in use, not a local address, or no permission)");
  }
  // httplib 0.11 listens with a backlog of 5: a burst of new connections (16 clients starting
  // at once) overflows it, and some of them then fail their first request. listen() again on
  // the same socket only raises the backlog.
  if (listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);
  return port;
}

void EmbeddingServer::Serve() {
  serving_ = true;
  if (!stop_requested_) http_->listen_after_bind();  // returns after Stop(), once requests in flight are answered
  serving_ = false;
  batcher_.Stop();
}

void EmbeddingServer::Stop() {
  stop_requested_ = true;
  // A Stop() racing with the start of Serve() waits (briefly) for the listener to run, since
  // httplib's stop() does nothing before then.
  for (int i = 0; i < 1000 && serving_ && !http_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  http_->stop();
}

}  // namespace gembed::server
