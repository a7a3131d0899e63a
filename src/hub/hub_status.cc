#include "hub/hub_status.h"

#include "hub/hub_error.h"

namespace gembed::hub {
namespace {

std::string Header(const HttpResponse& r, const std::string& name) {
  const auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

}  // namespace

void ThrowForStatus(const HttpResponse& r, const RequestContext& c) {
  const std::string code = Header(r, "x-error-code");
  const std::string hub_message = Header(r, "x-error-message");
  const std::string page = c.endpoint + "/" + c.repo_id;
  const std::string said = hub_message.empty() ? "" : " (the hub says: " + hub_message + ")";
  const std::string status = "HTTP " + std::to_string(r.status);
  std::string what;
  if (code == "GatedRepo" || (r.status == 403 && code.empty())) {
    if (!c.has_token) {
      what = c.repo_id + " is a gated model and no token was given (" + status + "). To get access: log in at " + c.endpoint +
             ", open " + page + " and accept its terms, create a read token at " + c.endpoint +
             "/settings/tokens, then pass it with --token TOKEN or the HF_TOKEN environment variable (or save it with `huggingface-cli login`)";
    } else if (r.status == 401) {
      what = "the hub refused the token for " + c.repo_id + " (" + status + "): it is invalid or expired; check it at " + c.endpoint + "/settings/tokens";
    } else {
      what = "the token has no access to the gated model " + c.repo_id + " (" + status + "): open " + page +
             " logged in as the token's owner and accept its terms (some models wait for the authors' approval), then run again";
    }
  } else if (code == "RepoNotFound" || (r.status == 404 && c.file.empty() && code.empty())) {
    what = "model repository " + c.repo_id + " not found on " + c.endpoint + " (" + status + "): check the name" +
           (c.has_token ? " and that the token can read it" : "; a private repository needs --token or HF_TOKEN");
  } else if (code == "RevisionNotFound") {
    what = "revision '" + c.revision + "' not found in " + c.repo_id + " (" + status + "): give a branch, tag or commit hash that exists";
  } else if (code == "EntryNotFound" || r.status == 404) {
    what = "file " + c.file + " not found in " + c.repo_id + "@" + c.revision + " (" + status + ")";
  } else if (r.status == 401) {
    what = c.has_token ? "the hub refused the token for " + c.repo_id + " (" + status + "): it is invalid or expired"
                       : c.repo_id + " needs authentication (" + status + "): pass a token with --token or HF_TOKEN";
  } else if (r.status == 429) {
    what = "the hub is rate-limiting requests (" + status + "): wait a minute and run again" + (c.has_token ? "" : ", or pass a token");
  } else if (r.status >= 500) {
    what = "the hub failed (" + status + ") for " + c.repo_id + (c.file.empty() ? "" : "/" + c.file) + ": try again later";
  } else {
    what = "unexpected answer " + status + " from " + r.url;
  }
  throw HubError(HubError::Kind::kHttp, what + said, r.status);
}

}  // namespace gembed::hub
