// "org/name[@revision]": a model repository on the hub, as `gembed pull` and `--model` take it.
#pragma once

#include <optional>
#include <string>

namespace gembed::hub {

struct RepoRef {
  std::string repo_id;            // "org/name"
  std::string revision = "main";  // branch, tag or commit hash
};

// nullopt when `text` is not of the form org/name[@revision] (each part letters, digits,
// '-', '_', '.', not starting with '.' or '-', no "--" or ".." as the hub forbids).
std::optional<RepoRef> ParseRepoRef(const std::string& text);
// The same, throwing gembed::Error that names the expected form.
RepoRef ParseRepoRefOrThrow(const std::string& text);

// A full 40-hex-digit git commit hash.
bool IsCommitHash(const std::string& s);

}  // namespace gembed::hub
