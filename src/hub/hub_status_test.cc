#include "hub/hub_status.h"

#include <gtest/gtest.h>

#include "hub/hub_error.h"

namespace gembed::hub {
namespace {

std::string MessageFor(long status, const std::string& code, bool has_token, const std::string& file = "") {
  HttpResponse r;
  r.status = status;
  r.url = "https://hub.example/x";
  if (!code.empty()) r.headers["x-error-code"] = code;
  try {
    ThrowForStatus(r, {.endpoint = "https://hub.example", .repo_id = "org/name", .revision = "main", .file = file, .has_token = has_token});
  } catch (const HubError& e) {
    EXPECT_EQ(e.kind(), HubError::Kind::kHttp);
    EXPECT_EQ(e.http_status(), status);
    return e.what();
  }
  return "";
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(HubStatus, EachAnswerSaysWhatToDo) {
  EXPECT_TRUE(Has(MessageFor(401, "GatedRepo", false), "open https://hub.example/org/name and accept its terms"));
  EXPECT_TRUE(Has(MessageFor(401, "GatedRepo", true), "refused the token"));
  EXPECT_TRUE(Has(MessageFor(403, "GatedRepo", true), "the token has no access"));
  EXPECT_TRUE(Has(MessageFor(401, "RepoNotFound", false), "model repository org/name not found on https://hub.example"));
  EXPECT_TRUE(Has(MessageFor(401, "RepoNotFound", false), "a private repository needs --token"));
  EXPECT_TRUE(Has(MessageFor(404, "", false), "not found"));
  EXPECT_TRUE(Has(MessageFor(404, "EntryNotFound", false, "config.json"), "file config.json not found in org/name@main"));
  EXPECT_TRUE(Has(MessageFor(401, "", true), "invalid or expired"));
  EXPECT_TRUE(Has(MessageFor(429, "", false), "rate-limiting"));
  EXPECT_TRUE(Has(MessageFor(503, "", false), "try again later"));
  EXPECT_TRUE(Has(MessageFor(418, "", false), "unexpected answer HTTP 418 from https://hub.example/x"));
}

TEST(HubStatus, TheHubsOwnMessageIsQuoted) {
  HttpResponse r;
  r.status = 403;
  r.headers["x-error-code"] = "GatedRepo";
  r.headers["x-error-message"] = "Access to model org/name is restricted.";
  try {
    ThrowForStatus(r, {.endpoint = "https://hub.example", .repo_id = "org/name", .has_token = true});
    FAIL();
  } catch (const HubError& e) {
    EXPECT_TRUE(Has(e.what(), "(the hub says: Access to model org/name is restricted.)")) << e.what();
  }
}

}  // namespace
}  // namespace gembed::hub
