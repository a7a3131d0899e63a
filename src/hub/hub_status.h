// The hub's error answers (401, 403, 404, 429, 5xx and its X-Error-Code header) turned into
// messages that say what to do: get access to a gated model, fix a name, wait.
#pragma once

#include <string>

#include "hub/http_client.h"

namespace gembed::hub {

struct RequestContext {
  std::string endpoint;   // https://huggingface.co
  std::string repo_id;    // org/name
  std::string revision;   // main
  std::string file;       // "" for the repository's file list
  bool has_token = false;
};

// Throws HubError(kHttp) for `response` (a status ≥ 400, or any status the caller cannot use).
[[noreturn]] void ThrowForStatus(const HttpResponse& response, const RequestContext& context);

}  // namespace gembed::hub
