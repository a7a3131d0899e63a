// HF's Split pre-tokenizer with a literal String pattern (Gemma's: " ", MergedWithPrevious,
// a no-op after the normalizer turned spaces into "▁"), possibly in a Sequence. Regex
// patterns are refused by the loader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gembed::tok {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

class PreTokenizer {
 public:
  void AddSplit(std::string pattern, SplitBehavior behavior, bool invert);
  bool empty() const { return rules_.empty(); }
  // Splits `text` into pieces (views into `text`), appending the non-empty ones in order.
  void Apply(std::string_view text, std::vector<std::string_view>* out) const;

 private:
  struct Rule {
    std::string pattern;  // non-empty
    SplitBehavior behavior;
    bool invert;
  };
  static void ApplyRule(const Rule& rule, std::string_view text,
                        std::vector<std::string_view>* out);
  std::vector<Rule> rules_;
};

}  // namespace gembed::tok
