#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <memory>
#include <mutex>

#include "hub/hub_error.h"

namespace gembed::hub {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What one transfer collects; the C callbacks reach it through their user pointer.
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse response;
  const HttpClient::Sink* sink = nullptr;
  const HttpClient::Progress* progress = nullptr;
  uint64_t received = 0;
  std::exception_ptr error;  // thrown by the sink or progress callback; rethrown after curl returns
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after a redirect): keep only the last one's
  } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    t->response.headers[Lower(line.substr(0, colon))] = value;
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->sink == nullptr || (status != 200 && status != 206)) {
    if (t->response.body.size() < (1 << 20)) t->response.body.append(data, bytes);  // error bodies are small
    return bytes;
  }
  try {
    (*t->sink)(data, bytes, status);
    t->received += bytes;
    if (t->progress != nullptr && *t->progress) (*t->progress)(t->received);
  } catch (...) {
    t->error = std::current_exception();
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  return bytes;
}

HubError::Kind KindOf(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return HubError::Kind::kUnreachable;
    default:
      return HubError::Kind::kTransfer;
  }
}

enum class Method { kGet, kHead };

HttpResponse Perform(const std::string& url, Method method, bool follow, const std::string& auth_header, long stall_s,
                     uint64_t offset, const HttpClient::Sink* sink, const HttpClient::Progress* progress) {
  GlobalInit();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw HubError(HubError::Kind::kTransfer, "libcurl: cannot create a handle");
  Transfer t;
  t.curl = curl.get();
  t.sink = sink;
  t.progress = progress;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  if (!auth_header.empty()) headers = curl_slist_append(headers, auth_header.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "gembed/0.1.0");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  // A transfer that delivers nothing for stall_s seconds is broken off (and resumed by the
  // caller) instead of hanging forever.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_s);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (method == Method::kHead) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  const std::string range = std::to_string(offset) + "-";
  if (offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  const CURLcode rc = curl_easy_perform(c);
  if (t.error) std::rethrow_exception(t.error);
  if (rc != CURLE_OK) {
    const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    throw HubError(KindOf(rc), detail);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  t.response.url = effective != nullptr ? effective : url;
  return std::move(t.response);
}

}  // namespace

std::string UrlOrigin(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  const size_t host_end = url.find_first_of("/?#", scheme_end + 3);
  return Lower(url.substr(0, host_end));
}

std::string UrlEncodePath(const std::string& path, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && keep_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpClient::HttpClient(std::string token, std::string trusted_origin)
    : token_(std::move(token)), trusted_origin_(Lower(std::move(trusted_origin))) {}

namespace {
std::string AuthFor(const std::string& url, const std::string& token, const std::string& trusted_origin) {
  if (token.empty() || UrlOrigin(url) != trusted_origin) return "";
  return "Authorization: Bearer " + token;
}
}  // namespace

HttpResponse HttpClient::Get(const std::string& url) const {
  return Perform(url, Method::kGet, true, AuthFor(url, token_, trusted_origin_), stall_timeout_s_, 0, nullptr, nullptr);
}

HttpResponse HttpClient::Head(const std::string& url) const {
  std::string current = url;
  for (int hop = 0;; ++hop) {
    HttpResponse r = Perform(current, Method::kHead, false, AuthFor(current, token_, trusted_origin_), stall_timeout_s_, 0, nullptr, nullptr);
    const auto loc = r.headers.find("location");
    const bool relative = loc != r.headers.end() && !loc->second.empty() && loc->second[0] == '/';
    if (r.status < 300 || r.status >= 400 || !relative || hop >= 5) {
      r.url = current;
      return r;
    }
    current = UrlOrigin(current) + loc->second;  // a renamed repository: still the hub
  }
}

HttpResponse HttpClient::Download(const std::string& url, uint64_t offset, const Sink& sink, const Progress& progress) const {
  return Perform(url, Method::kGet, true, AuthFor(url, token_, trusted_origin_), stall_timeout_s_, offset, &sink, &progress);
}

}  // namespace gembed::hub
