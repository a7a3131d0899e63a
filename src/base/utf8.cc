#include "base/utf8.h"

#include <cstdint>

#include "base/error.h"

namespace gembed {
namespace {

// Decodes one code point at s[i]; returns its length in bytes, 0 if invalid.
size_t DecodeOne(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

bool IsPySpace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D:
    case 0x1C: case 0x1D: case 0x1E: case 0x1F: case 0x20:
    case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t n = DecodeOne(s, i, &cp);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

void CheckUtf8(std::string_view s, const std::string& what) {
  const size_t bad = FindInvalidUtf8(s);
  if (bad != std::string_view::npos) {
    throw Error("invalid UTF-8 in " + what + " at byte " + std::to_string(bad));
  }
}

std::string_view PyStrip(std::string_view s) {
  // Leading: decode forward.
  size_t begin = 0;
  while (begin < s.size()) {
    uint32_t cp;
    const size_t n = DecodeOne(s, begin, &cp);
    if (n == 0 || !IsPySpace(cp)) break;
    begin += n;
  }
  // Trailing: step back to the start of each code point.
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
    uint32_t cp;
    const size_t n = DecodeOne(s, start, &cp);
    if (n == 0 || start + n != end || !IsPySpace(cp)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

}  // namespace gembed
