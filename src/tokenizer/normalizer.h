// The normalizer steps HF `tokenizers` applies to text between added tokens. Only the
// literal-string forms are supported (Gemma's file uses Replace " " → "▁"); the loader
// refuses everything else, so text is never normalised differently from HF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gembed::tok {

class Normalizer {
 public:
  // Replace every non-overlapping occurrence of `pattern` (non-empty), scanning left to
  // right, with `content` (HF Replace with a String pattern).
  void AddReplace(std::string pattern, std::string content);
  // Prepend `content` to non-empty text (HF Prepend).
  void AddPrepend(std::string content);

  bool empty() const { return steps_.empty(); }
  // Writes the normalised form of `text` to *out (replacing its contents).
  void Apply(std::string_view text, std::string* out) const;

 private:
  struct Step {
    bool prepend;
    std::string pattern;  // Replace only
    std::string content;
  };
  static void ApplyStep(const Step& step, std::string_view text, std::string* out);
  std::vector<Step> steps_;
};

}  // namespace gembed::tok
