#include "index/chunker.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "embedder/embedder.h"
#include "fixtures.h"

namespace gembed::index {
namespace {

// One token per space-separated word: makes budgets easy to reason about.
int Words(std::string_view s) {
  int n = 0;
  bool in = false;
  for (char c : s) {
    if (c == ' ' || c == '\n') {
      in = false;
    } else if (!in) {
      in = true;
      ++n;
    }
  }
  return n;
}

std::string Lines(int n, int words_per_line) {
  std::string t;
  for (int i = 1; i <= n; ++i) {
    for (int w = 0; w < words_per_line; ++w) {
      t += 'l';
      t += std::to_string(i);
      t += 'w';
      t += std::to_string(w);
      t += ' ';
    }
    t.pop_back();
    t += "\n";
  }
  return t;
}

TEST(Chunker, PlainTextRespectsBudgetOverlapAndLineRanges) {
  const std::string text = Lines(40, 4);  // 5 tokens a line (4 words + newline)
  const auto chunks = ChunkPlainText(text, "f.txt", Words, {.max_tokens = 20, .overlap = 5});
  ASSERT_GE(chunks.size(), 10u);
  EXPECT_EQ(chunks.front().line_start, 1);
  EXPECT_EQ(chunks.back().line_end, 40);
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    EXPECT_EQ(c.title, "f.txt");
    EXPECT_EQ(c.line_end - c.line_start + 1, 4) << i;  // 4 lines × 5 tokens = 20
    EXPECT_LE(Words(c.text) + (c.line_end - c.line_start + 1), 20);
    // The chunk's text is exactly its lines.
    const std::string first_word = std::string("l").append(std::to_string(c.line_start)).append("w");
    EXPECT_EQ(c.text.substr(0, first_word.size()), first_word);
    if (i > 0) {
      EXPECT_EQ(c.line_start, chunks[i - 1].line_end) << "one line (5 tokens) of overlap";
    }
  }
}

TEST(Chunker, NoOverlapCoversEveryLineOnce) {
  const auto chunks = ChunkPlainText(Lines(17, 3), "t", Words, {.max_tokens = 9, .overlap = 0});
  int next = 1;
  for (const Chunk& c : chunks) {
    EXPECT_EQ(c.line_start, next);
    next = c.line_end + 1;
  }
  EXPECT_EQ(next, 18);
}

TEST(Chunker, LongLineIsSplitAtSpacesAndKeepsItsLineNumber) {
  std::string line;
  for (int i = 0; i < 99; ++i) line += "word" + std::to_string(i) + " ";
  const std::string text = "first\n" + line + "\nlast\n";
  const auto chunks = ChunkPlainText(text, "t", Words, {.max_tokens = 10, .overlap = 0});
  std::string rebuilt;
  for (const Chunk& c : chunks) {
    EXPECT_LE(Words(c.text), 10);
    if (c.line_start == 2) {
      EXPECT_EQ(c.line_end, 2);
      rebuilt += c.text;
    }
  }
  EXPECT_EQ(rebuilt, line);
  EXPECT_EQ(chunks.back().line_end, 3);
}

TEST(Chunker, SpacelessRunIsCutAtCharacterBoundaries) {
  std::string word;
  for (int i = 0; i < 200; ++i) word += "é";  // 2 bytes each
  // Count characters as tokens: a worst case for the budget.
  auto chars = [](std::string_view s) {
    int n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  const auto chunks = ChunkPlainText(word, "t", chars, {.max_tokens = 41, .overlap = 0});
  std::string rebuilt;
  for (const Chunk& c : chunks) {
    EXPECT_LE(chars(c.text), 41);
    EXPECT_EQ(c.text.size() % 2, 0u) << "a UTF-8 sequence was cut";
    rebuilt += c.text;
  }
  EXPECT_EQ(rebuilt, word);
}

TEST(Chunker, MarkdownSplitsAtHeadingsWithHeadingPathTitles) {
  const std::string md =
      "Preamble line.\n"
      "# Guide\n"
      "Intro.\n"
      "## Install\n"
      "Steps.\n"
      "```sh\n"
      "# not a heading\n"
      "```\n"
      "### Linux ###\n"
      "apt.\n"
      "## Usage\n"
      "Run it.\n";
  const auto chunks = ChunkMarkdown(md, "doc.md", Words, {.max_tokens = 100, .overlap = 10});
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks[0].title, "doc.md");
  EXPECT_EQ(chunks[0].line_start, 1);
  EXPECT_EQ(chunks[1].title, "Guide");
  EXPECT_EQ(chunks[2].title, "Guide > Install");
  EXPECT_EQ(chunks[2].line_start, 4);
  EXPECT_EQ(chunks[2].line_end, 8);
  EXPECT_NE(chunks[2].text.find("# not a heading"), std::string::npos);
  EXPECT_EQ(chunks[3].title, "Guide > Install > Linux");
  EXPECT_EQ(chunks[4].title, "Guide > Usage");
  EXPECT_EQ(chunks[4].line_start, 11);
  EXPECT_EQ(chunks[4].line_end, 12);
}

TEST(Chunker, BlankTextGivesNoChunksAndBadOptionsAreErrors) {
  EXPECT_TRUE(ChunkPlainText("\n  \n\n", "t", Words, {}).empty());
  EXPECT_THROW(ChunkPlainText("a", "t", Words, {.max_tokens = 10, .overlap = 10}), Error);
  EXPECT_THROW(ChunkPlainText("a", "t", Words, {.max_tokens = 0, .overlap = 0}), Error);
}

TEST(Chunker, RealTokenizerChunksStayNearTheBudget) {
  auto model = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 1});
  const Tokenizer* tok = model->tokenizer();
  ASSERT_NE(tok, nullptr);
  auto count = [tok](std::string_view s) { return static_cast<int>(tok->Encode(s).size()); };
  std::string text;
  for (int i = 0; i < 60; ++i) text += "Line " + std::to_string(i) + " of the manual: tokenizers split words into pieces.\n";
  const auto chunks = ChunkPlainText(text, "manual.txt", count, {.max_tokens = 64, .overlap = 16});
  ASSERT_GT(chunks.size(), 5u);
  for (const Chunk& c : chunks) EXPECT_LE(count(c.text), 64 + 2) << c.text;
}

}  // namespace
}  // namespace gembed::index
