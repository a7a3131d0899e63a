// Digests the hub publishes for its files: sha256 for LFS files, the git blob sha1 for the
// others (sha1 of "blob {size}\0" + contents). Computed with OpenSSL's libcrypto.
#pragma once

#include <filesystem>
#include <string>

namespace gembed::hub {

std::string Sha256OfFile(const std::filesystem::path& path);   // lower-case hex
std::string GitBlobSha1OfFile(const std::filesystem::path& path);
std::string Sha256OfString(const std::string& bytes);
std::string GitBlobSha1OfString(const std::string& bytes);

}  // namespace gembed::hub
