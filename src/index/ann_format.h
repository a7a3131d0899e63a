// The byte format of a serialised AnnIndex, apart from the graph itself: a fixed 64-byte
// header, a checksum, and a bounds-checked little-endian cursor for reading the payload.
//
// Why our own header: hnswlib 0.6.2 reads its files trusting every size and offset in them,
// so a truncated or flipped byte can make it read or write out of bounds. We check the
// magic, version, dimension, element count, payload length and a checksum first, then every
// graph link in ann_index.cc, and only then hand the bytes to hnswlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gembed::index {

// Header layout (little-endian): magic[8] version:u32 dim:u32 M:u32 ef_construction:u32
// ef_search:u32 reserved:u32 seed:u64 element_count:u64 payload_bytes:u64 checksum:u64.
// The checksum covers the 56 header bytes before it and then the payload.
struct AnnHeader {
  static constexpr char kMagic[8] = {'G', 'E', 'M', 'B', 'A', 'N', 'N', '\0'};
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kSize = 64;

  uint32_t version = kVersion;
  uint32_t dim = 0;
  uint32_t M = 0;
  uint32_t ef_construction = 0;
  uint32_t ef_search = 0;
  uint64_t seed = 0;
  uint64_t element_count = 0;  // graph slots, removed ones included
  uint64_t payload_bytes = 0;
  uint64_t checksum = 0;
};

// 64-bit multiply/xor-shift hash over 8-byte words (FNV-like, but the xor-shift carries
// high-bit changes into the low bits so two flips cannot cancel). Detects corruption;
// it is not a cryptographic MAC.
uint64_t AnnChecksum(std::string_view head, std::string_view payload);

// Appends the header (with `checksum` as given) to out.
void WriteAnnHeader(const AnnHeader& h, std::string& out);
// Parses and checks the header against the whole byte string: magic, version, expected dim,
// payload length and checksum. Throws gembed::Error naming what is wrong.
AnnHeader ReadAnnHeader(std::string_view bytes, int expected_dim);

// Little-endian appends and a bounds-checked reader (throws gembed::Error past the end).
void PutU32(std::string& out, uint32_t v);
void PutU64(std::string& out, uint64_t v);

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  uint32_t U32(const char* what);
  std::string_view Take(size_t n, const char* what);
  size_t offset() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace gembed::index
