// HF decoders that Gemma's file chains: Replace (literal), ByteFallback, Fuse, possibly in
// a Sequence. Without a decoder HF joins the tokens with spaces. Each step maps the list of
// token strings to a new list, exactly as HF's decode_chain does, so the steps compose in
// the declared order.
#pragma once

#include <string>
#include <vector>

namespace gembed::tok {

class Decoder {
 public:
  void AddReplace(std::string pattern, std::string content);
  void AddByteFallback();
  void AddFuse();
  void set_present(bool present) { present_ = present; }

  std::string Decode(std::vector<std::string> tokens) const;

 private:
  enum class Kind { kReplace, kByteFallback, kFuse };
  struct Step {
    Kind kind;
    std::string pattern;
    std::string content;
  };
  std::vector<Step> steps_;
  bool present_ = false;  // whether the file has a decoder at all
};

}  // namespace gembed::tok
