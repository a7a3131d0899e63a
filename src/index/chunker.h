// Splits a document into chunks of at most `max_tokens` tokens (counted with the model's
// tokenizer) that overlap by about `overlap` tokens, keeping each chunk's line range.
//
// Lines are the unit: a chunk is a run of whole lines, so its line range is exact. A line
// longer than the budget is split at spaces (and a space-less run at character
// boundaries); its pieces share the line number. Token counts are summed per line, which
// can differ by a token or two from tokenising the joined chunk; the embedder truncates in
// the rare case that matters (see docs/collections.md).
//
// Markdown is split at ATX headings (outside ``` / ~~~ fences) first; each section's title
// is its heading path ("Guide > Install > Linux"), and text before the first heading takes
// the document's title.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gembed::index {

struct Chunk {
  std::string title;
  std::string text;
  int line_start = 0;  // 1-based, inclusive
  int line_end = 0;
};

struct ChunkOptions {
  int max_tokens = 256;  // budget for the text alone (the caller leaves room for the prompt)
  int overlap = 32;      // tokens repeated from the end of the previous chunk
};

// Tokens in a piece of text (no special tokens).
using TokenCounter = std::function<int(std::string_view)>;

// `text` starts at line `first_line`. Whitespace-only chunks are dropped.
std::vector<Chunk> ChunkPlainText(std::string_view text, const std::string& title, const TokenCounter& count,
                                  const ChunkOptions& options, int first_line = 1);
std::vector<Chunk> ChunkMarkdown(std::string_view text, const std::string& title, const TokenCounter& count,
                                 const ChunkOptions& options);

}  // namespace gembed::index
