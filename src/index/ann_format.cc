#include "index/ann_format.h"

#include <cstring>

#include "base/error.h"

namespace gembed::index {
namespace {

uint64_t LoadLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint32_t LoadLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// One mixing step: bijective in h for a fixed word, so a change in any single word always
// changes the result.
inline uint64_t Mix(uint64_t h, uint64_t word) {
  h ^= word;
  h *= 0x100000001b3ULL;  // the 64-bit FNV prime
  return h ^ (h >> 32);
}

uint64_t HashInto(uint64_t h, std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);  // host order: the format is little-endian-only anyway
    h = Mix(h, w);
  }
  uint64_t tail = 0;
  for (size_t j = 0; i + j < s.size(); ++j) tail |= uint64_t(static_cast<unsigned char>(s[i + j])) << (8 * j);
  return Mix(h, tail ^ (uint64_t(s.size()) << 56));  // length folded in: "ab"+"" ≠ "a"+"b"
}

}  // namespace

uint64_t AnnChecksum(std::string_view head, std::string_view payload) {
  return HashInto(HashInto(0xcbf29ce484222325ULL, head), payload);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void WriteAnnHeader(const AnnHeader& h, std::string& out) {
  out.append(AnnHeader::kMagic, sizeof AnnHeader::kMagic);
  PutU32(out, h.version);
  PutU32(out, h.dim);
  PutU32(out, h.M);
  PutU32(out, h.ef_construction);
  PutU32(out, h.ef_search);
  PutU32(out, 0);
  PutU64(out, h.seed);
  PutU64(out, h.element_count);
  PutU64(out, h.payload_bytes);
  PutU64(out, h.checksum);
}

AnnHeader ReadAnnHeader(std::string_view bytes, int expected_dim) {
  const std::string where = "ANN index bytes: ";
  if (bytes.size() < AnnHeader::kSize) {
    throw Error(where + "truncated: " + std::to_string(bytes.size()) + " bytes, the header alone needs " +
                std::to_string(AnnHeader::kSize));
  }
  if (std::memcmp(bytes.data(), AnnHeader::kMagic, sizeof AnnHeader::kMagic) != 0) {
    throw Error(where + "bad magic (not a gembed ANN index)");
  }
  const char* p = bytes.data();
  AnnHeader h;
  h.version = LoadLe32(p + 8);
  h.dim = LoadLe32(p + 12);
  h.M = LoadLe32(p + 16);
  h.ef_construction = LoadLe32(p + 20);
  h.ef_search = LoadLe32(p + 24);
  const uint32_t reserved = LoadLe32(p + 28);
  h.seed = LoadLe64(p + 32);
  h.element_count = LoadLe64(p + 40);
  h.payload_bytes = LoadLe64(p + 48);
  h.checksum = LoadLe64(p + 56);
  if (h.version != AnnHeader::kVersion) {
    throw Error(where + "unsupported format version " + std::to_string(h.version) + " (this build reads " +
                std::to_string(AnnHeader::kVersion) + ")");
  }
  if (h.dim != static_cast<uint32_t>(expected_dim)) {
    throw Error(where + "dimension mismatch: index has " + std::to_string(h.dim) + ", expected " +
                std::to_string(expected_dim));
  }
  if (reserved != 0) throw Error(where + "corrupt header (reserved field is not zero)");
  const uint64_t have = bytes.size() - AnnHeader::kSize;
  if (h.payload_bytes != have) {
    throw Error(where + (have < h.payload_bytes ? "truncated" : "trailing or corrupt") + ": header says " +
                std::to_string(h.payload_bytes) + " payload bytes, found " + std::to_string(have));
  }
  const uint64_t sum = AnnChecksum(bytes.substr(0, AnnHeader::kSize - 8), bytes.substr(AnnHeader::kSize));
  if (sum != h.checksum) throw Error(where + "checksum mismatch (corrupt data)");
  return h;
}

uint32_t ByteReader::U32(const char* what) { return LoadLe32(Take(4, what).data()); }

std::string_view ByteReader::Take(size_t n, const char* what) {
  if (n > remaining()) {
    throw Error(std::string("ANN index bytes: truncated while reading ") + what + " at payload offset " +
                std::to_string(pos_));
  }
  std::string_view s = bytes_.substr(pos_, n);
  pos_ += n;
  return s;
}

}  // namespace gembed::index
