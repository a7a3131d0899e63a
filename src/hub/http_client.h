// A small HTTPS client over libcurl for the hub's three kinds of request: JSON API calls, HEAD
// requests for a file's metadata, and resumable downloads streamed to a sink.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace gembed::hub {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; of the final response
  std::string body;                            // Get: the body; Download: only an error body
  std::string url;                             // the URL that answered (after redirects)
};

// "scheme://host[:port]" of a URL (lower-case scheme and host).
std::string UrlOrigin(const std::string& url);
// Percent-encodes a URL path, keeping '/' when `keep_slash` (a file path of a repository)
// and encoding it otherwise (a revision such as refs/pr/1 in one path segment).
std::string UrlEncodePath(const std::string& path, bool keep_slash = true);

class HttpClient {
 public:
  // The token goes (as "Authorization: Bearer") only to URLs of `trusted_origin` — the hub —
  // never to the CDN hosts it redirects to. curl itself also drops custom Authorization
  // headers when a redirect changes host.
  HttpClient(std::string token, std::string trusted_origin);

  // GET, following redirects; the body is kept in memory (API answers are small).
  HttpResponse Get(const std::string& url) const;
  // HEAD, following only relative (same-host) redirects, as huggingface_hub does: the
  // metadata headers sit on the hub's own answer, and Location is where the bytes are.
  HttpResponse Head(const std::string& url) const;

  // GET from byte `offset` (a Range request when > 0), following redirects, handing the body
  // to `sink` when the status is 200 or 206 (an error body is kept in `body` instead).
  // `progress` gets the bytes of the body received so far. An exception the sink throws
  // (e.g. disk full) stops the transfer and is rethrown here.
  using Sink = std::function<void(const char* data, size_t size, long status)>;
  using Progress = std::function<void(uint64_t received)>;
  HttpResponse Download(const std::string& url, uint64_t offset, const Sink& sink, const Progress& progress) const;

  // Seconds without a byte after which a transfer counts as stalled (default 60).
  void set_stall_timeout(long seconds) { stall_timeout_s_ = seconds; }

 private:
  std::string token_;
  std::string trusted_origin_;
  long stall_timeout_s_ = 60;
};

}  // namespace gembed::hub
