// Errors of talking to the hub, by kind, so callers can react (fall back to the cache when the
// network is down, retry a cut transfer) while users still read one clear message.
#pragma once

#include <string>

#include "base/error.h"

namespace gembed::hub {

class HubError : public Error {
 public:
  enum class Kind {
    kUnreachable,  // no connection at all (DNS, refused, connect timeout): the cache may serve
    kTransfer,     // a transfer broke off midway (reset, cut, stalled): resumable, retried
    kHttp,         // the hub answered with an error status (401, 403, 404, 5xx…)
    kDiskFull,     // writing the download failed (ENOSPC, quota): the partial file is kept
    kIntegrity,    // the bytes do not match the size or digest the hub published
  };
  HubError(Kind kind, const std::string& what, long http_status = 0) : Error(what), kind_(kind), http_status_(http_status) {}
  Kind kind() const { return kind_; }
  long http_status() const { return http_status_; }

 private:
  Kind kind_;
  long http_status_;
};

}  // namespace gembed::hub
