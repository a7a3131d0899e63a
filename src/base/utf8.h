// UTF-8 validation and the Unicode whitespace set Python's str.strip() uses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gembed {

// Returns the byte offset of the first invalid UTF-8 sequence, or std::string_view::npos
// when the whole string is valid (overlongs, surrogates and > U+10FFFF are invalid).
size_t FindInvalidUtf8(std::string_view s);

// Throws gembed::Error("invalid UTF-8 in <what> at byte N") when s is not valid UTF-8.
void CheckUtf8(std::string_view s, const std::string& what);

// Python's str.strip() with no argument: removes leading and trailing characters for
// which str.isspace() is true (ASCII whitespace, U+0085, U+00A0, U+1680, U+2000–U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000, and the separators U+001C–U+001F).
// The input must be valid UTF-8.
std::string_view PyStrip(std::string_view s);

}  // namespace gembed
