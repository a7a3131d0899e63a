#include "base/utf8.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gembed {
namespace {

TEST(Utf8, AcceptsValidText) {
  EXPECT_EQ(FindInvalidUtf8("hello"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("東京 😋 é"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
}

TEST(Utf8, FindsFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("a\xc3"), 1u);              // truncated sequence
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);           // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("x\xed\xa0\x80"), 1u);      // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);   // > U+10FFFF
}

TEST(Utf8, CheckNamesWhatAndWhere) {
  try {
    CheckUtf8("ok\x80", "input 3");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 in input 3 at byte 2");
  }
}

TEST(Utf8, PyStripMatchesPython) {
  EXPECT_EQ(PyStrip("  \n\t a b \n\n  \t "), "a b");
  EXPECT_EQ(PyStrip("\xc2\xa0x\xe3\x80\x80"), "x");  // U+00A0 and U+3000 are whitespace
  EXPECT_EQ(PyStrip("\xe2\x80\x8bx"), "\xe2\x80\x8bx");  // U+200B is not
  EXPECT_EQ(PyStrip("   "), "");
  EXPECT_EQ(PyStrip("\x1c" "a" "\x1f"), "a");
}

}  // namespace
}  // namespace gembed
