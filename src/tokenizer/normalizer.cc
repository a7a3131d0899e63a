#include "tokenizer/normalizer.h"

#include <utility>

namespace gembed::tok {

void Normalizer::AddReplace(std::string pattern, std::string content) {
  steps_.push_back({false, std::move(pattern), std::move(content)});
}

void Normalizer::AddPrepend(std::string content) {
  steps_.push_back({true, {}, std::move(content)});
}

void Normalizer::ApplyStep(const Step& step, std::string_view text, std::string* out) {
  out->clear();
  if (step.prepend) {
    if (!text.empty()) out->append(step.content);
    out->append(text);
    return;
  }
  out->reserve(text.size() + text.size() / 2);
  const std::string_view pattern = step.pattern;
  // A single-byte pattern (Gemma's " ") takes a plain byte loop instead of a search.
  if (pattern.size() == 1) {
    const char c = pattern[0];
    for (char ch : text) {
      if (ch == c) {
        out->append(step.content);
      } else {
        out->push_back(ch);
      }
    }
    return;
  }
  size_t i = 0;
  for (size_t hit; (hit = text.find(pattern, i)) != std::string_view::npos; i = hit + pattern.size()) {
    out->append(text.substr(i, hit - i));
    out->append(step.content);
  }
  out->append(text.substr(i));
}

void Normalizer::Apply(std::string_view text, std::string* out) const {
  if (steps_.empty()) {
    out->assign(text);
    return;
  }
  ApplyStep(steps_[0], text, out);
  std::string tmp;
  for (size_t k = 1; k < steps_.size(); ++k) {
    ApplyStep(steps_[k], *out, &tmp);
    out->swap(tmp);
  }
}

}  // namespace gembed::tok
