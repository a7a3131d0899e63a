#include "hub/file_digest.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "base/error.h"

namespace gembed::hub {
namespace {

// One EVP digest in progress; freed however the hashing ends.
class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1) throw Error("OpenSSL: cannot start a digest");
  }
  void Update(const void* data, size_t n) {
    if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) throw Error("OpenSSL: digest update failed");
  }
  std::string HexFinal() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out, &len) != 1) throw Error("OpenSSL: digest failed");
    static const char* kHex = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
      hex += kHex[out[i] >> 4];
      hex += kHex[out[i] & 15];
    }
    return hex;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

void HashFile(Digest& d, const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) d.Update(buf.data(), n);
  if (std::ferror(f.get())) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
}

std::string GitHeader(uintmax_t size) { return "blob " + std::to_string(size) + std::string(1, '\0'); }

}  // namespace

std::string Sha256OfFile(const std::filesystem::path& path) {
  Digest d(EVP_sha256());
  HashFile(d, path);
  return d.HexFinal();
}

std::string GitBlobSha1OfFile(const std::filesystem::path& path) {
  Digest d(EVP_sha1());
  const std::string header = GitHeader(std::filesystem::file_size(path));
  d.Update(header.data(), header.size());
  HashFile(d, path);
  return d.HexFinal();
}

std::string Sha256OfString(const std::string& bytes) {
  Digest d(EVP_sha256());
  d.Update(bytes.data(), bytes.size());
  return d.HexFinal();
}

std::string GitBlobSha1OfString(const std::string& bytes) {
  Digest d(EVP_sha1());
  const std::string header = GitHeader(bytes.size());
  d.Update(header.data(), header.size());
  d.Update(bytes.data(), bytes.size());
  return d.HexFinal();
}

}  // namespace gembed::hub
