#include "tokenizer/pre_tokenizer.h"

#include <utility>

namespace gembed::tok {
namespace {

struct Span {
  size_t begin;
  size_t end;
  bool is_match;  // after the fold: whether to drop it (Removed)
};

// HF Pattern::find_matches for a literal: the text cut at every non-overlapping
// occurrence, each span flagged as match or not.
std::vector<Span> FindMatches(std::string_view text, std::string_view pattern, bool invert) {
  std::vector<Span> spans;
  size_t prev = 0;
  for (size_t hit; (hit = text.find(pattern, prev)) != std::string_view::npos;
       prev = hit + pattern.size()) {
    if (hit != prev) spans.push_back({prev, hit, invert});
    spans.push_back({hit, hit + pattern.size(), !invert});
  }
  if (prev != text.size()) spans.push_back({prev, text.size(), invert});
  return spans;
}

}  // namespace

void PreTokenizer::AddSplit(std::string pattern, SplitBehavior behavior, bool invert) {
  rules_.push_back({std::move(pattern), behavior, invert});
}

// HF NormalizedString::split: merge or drop the delimiter spans as the behaviour says.
void PreTokenizer::ApplyRule(const Rule& rule, std::string_view text,
                             std::vector<std::string_view>* out) {
  if (text.empty()) return;
  if (!rule.invert && text.find(rule.pattern) == std::string_view::npos) {
    out->push_back(text);  // no delimiter: one piece whatever the behaviour (Gemma's case)
    return;
  }
  std::vector<Span> matches = FindMatches(text, rule.pattern, rule.invert);
  std::vector<Span> pieces;  // is_match now means "remove"
  bool previous_match = false;
  switch (rule.behavior) {
    case SplitBehavior::kRemoved:
      pieces = std::move(matches);
      break;
    case SplitBehavior::kIsolated:
      for (const Span& s : matches) pieces.push_back({s.begin, s.end, false});
      break;
    case SplitBehavior::kContiguous:
      for (const Span& s : matches) {
        if (s.is_match == previous_match && !pieces.empty()) {
          pieces.back().end = s.end;
        } else {
          pieces.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Span& s : matches) {
        if (s.is_match && !previous_match && !pieces.empty()) {
          pieces.back().end = s.end;
        } else {
          pieces.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      // HF folds from the right, extending the following piece leftwards.
      for (size_t k = matches.size(); k-- > 0;) {
        const Span& s = matches[k];
        if (s.is_match && !previous_match && !pieces.empty()) {
          pieces.back().begin = s.begin;
        } else {
          pieces.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      for (size_t a = 0, b = pieces.size(); a + 1 < b; ++a, --b) std::swap(pieces[a], pieces[b - 1]);
      break;
  }
  for (const Span& s : pieces) {
    if (!s.is_match && s.end > s.begin) out->push_back(text.substr(s.begin, s.end - s.begin));
  }
}

void PreTokenizer::Apply(std::string_view text, std::vector<std::string_view>* out) const {
  if (text.empty()) return;
  if (rules_.empty()) {
    out->push_back(text);
    return;
  }
  // A Sequence applies each rule to every piece the previous rule produced.
  std::vector<std::string_view> current{text};
  std::vector<std::string_view> next;
  for (const Rule& rule : rules_) {
    next.clear();
    for (std::string_view piece : current) ApplyRule(rule, piece, &next);
    current.swap(next);
  }
  out->insert(out->end(), current.begin(), current.end());
}

}  // namespace gembed::tok
