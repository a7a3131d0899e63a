// Reads the inputs of `gembed embed` / `gembed tokenize`: JSONL lines
//   {"text": …, "title"?: …, "prompt_name"?: …, "prompt"?: …}   or   {"ids": [ … ]}
// from a file or stdin, in chunks so that huge inputs stream through bounded memory.
// Blank lines are skipped; every other line must be one JSON object.
#pragma once

#include <cstdio>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "embedder/embedder.h"

namespace gembed::cli {

struct InputLine {
  EmbedInput input;
  size_t line = 0;  // 1-based line number in the source, for messages
};

class JsonlReader {
 public:
  // path "-" reads stdin. Throws gembed::Error if the file cannot be opened.
  explicit JsonlReader(const std::string& path);
  ~JsonlReader();
  // Appends up to max_items inputs; returns false at end of input. Throws gembed::Error
  // "<source> line N: <what is wrong>" for a line that is not a valid input object.
  bool Next(size_t max_items, std::vector<InputLine>* out);
  const std::string& source() const { return source_; }

 private:
  std::unique_ptr<std::istream> owned_;
  std::istream* in_;
  std::string source_;
  size_t line_ = 0;
};

// Parses one JSONL line into an input (exposed for tests). `where` prefixes messages.
EmbedInput ParseInputLine(const std::string& line, const std::string& where);

}  // namespace gembed::cli
