// Code-point helpers for text that has already been validated as UTF-8 (the tokenizer
// checks its input once, up front, so the hot loops need no error paths).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gembed::tok {

// Length in bytes of the UTF-8 sequence that starts with `lead`.
inline size_t Utf8Length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Decodes the code point at s[i] (valid UTF-8 assumed); returns its length in bytes.
inline size_t Utf8Decode(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  const size_t len = Utf8Length(b0);
  uint32_t c = len == 1 ? b0 : len == 2 ? (b0 & 0x1Fu) : len == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3Fu);
  *cp = c;
  return len;
}

// Rust's char::is_whitespace (the Unicode White_Space property), which HF `tokenizers`
// uses for the lstrip/rstrip of added tokens. Differs from Python's isspace (no U+001C–1F).
inline bool IsRustWhitespace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
    case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace gembed::tok
