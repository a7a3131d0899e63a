#include "hub/repo_ref.h"

#include <cctype>

#include "base/error.h"

namespace gembed::hub {
namespace {

// One part of a repository id, by the hub's rules (huggingface_hub's validate_repo_id).
bool IsRepoPart(const std::string& s) {
  if (s.empty() || s.size() > 96 || s[0] == '.' || s[0] == '-' || s.back() == '.') return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return s.find("--") == std::string::npos && s.find("..") == std::string::npos;
}

// A revision: a branch, tag or commit; may hold '/' (refs/pr/1) but nothing that could
// escape the cache's refs/ folder or break a URL.
bool IsRevision(const std::string& s) {
  if (s.empty() || s.size() > 255 || s[0] == '/' || s.back() == '/' || s.find("..") != std::string::npos) return false;
  for (unsigned char c : s) {
    if (std::iscntrl(c) || c == ' ' || c == '\\' || c == '?' || c == '#' || c == '%') return false;
  }
  return true;
}

}  // namespace

std::optional<RepoRef> ParseRepoRef(const std::string& text) {
  RepoRef ref;
  std::string id = text;
  if (const size_t at = text.find('@'); at != std::string::npos) {
    id = text.substr(0, at);
    ref.revision = text.substr(at + 1);
    if (!IsRevision(ref.revision)) return std::nullopt;
  }
  const size_t slash = id.find('/');
  if (slash == std::string::npos || id.find('/', slash + 1) != std::string::npos) return std::nullopt;
  if (!IsRepoPart(id.substr(0, slash)) || !IsRepoPart(id.substr(slash + 1))) return std::nullopt;
  ref.repo_id = id;
  return ref;
}

RepoRef ParseRepoRefOrThrow(const std::string& text) {
  if (auto ref = ParseRepoRef(text)) return *ref;
  throw Error("'" + text + "' is not a Hugging Face model id: expected ORG/NAME or ORG/NAME@REVISION (e.g. google/embeddinggemma-300m)");
}

bool IsCommitHash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace gembed::hub
