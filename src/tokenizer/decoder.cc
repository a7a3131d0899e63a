#include "tokenizer/decoder.h"

#include <cstdint>
#include <utility>

#include "base/utf8.h"

namespace gembed::tok {
namespace {

void ReplaceAll(std::string* s, const std::string& pattern, const std::string& content) {
  if (s->find(pattern) == std::string::npos) return;
  std::string out;
  size_t i = 0;
  for (size_t hit; (hit = s->find(pattern, i)) != std::string::npos; i = hit + pattern.size()) {
    out.append(*s, i, hit - i);
    out.append(content);
  }
  out.append(*s, i, std::string::npos);
  s->swap(out);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// HF's test: six bytes "<0x" XX ">" where u8::from_str_radix(XX, 16) succeeds. Rust
// accepts a leading '+' there, so "<0x+A>" is byte 0x0A too.
int ByteOfToken(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  const int lo = HexDigit(t[4]);
  if (lo < 0) return -1;
  if (t[3] == '+') return lo;
  const int hi = HexDigit(t[3]);
  return hi < 0 ? -1 : hi * 16 + lo;
}

// Consecutive byte tokens become their UTF-8 text; an invalid group becomes one U+FFFD
// per byte (HF does not look for valid sub-sequences inside the group).
void FlushBytes(std::string* bytes, std::vector<std::string>* out) {
  if (bytes->empty()) return;
  if (FindInvalidUtf8(*bytes) == std::string::npos) {
    out->push_back(*bytes);
  } else {
    for (size_t k = 0; k < bytes->size(); ++k) out->push_back("\xEF\xBF\xBD");
  }
  bytes->clear();
}

std::vector<std::string> ByteFallback(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  std::string bytes;
  for (std::string& t : tokens) {
    const int byte = ByteOfToken(t);
    if (byte >= 0) {
      bytes.push_back(static_cast<char>(byte));
      continue;
    }
    FlushBytes(&bytes, &out);
    out.push_back(std::move(t));
  }
  FlushBytes(&bytes, &out);
  return out;
}

}  // namespace

void Decoder::AddReplace(std::string pattern, std::string content) {
  steps_.push_back({Kind::kReplace, std::move(pattern), std::move(content)});
}
void Decoder::AddByteFallback() { steps_.push_back({Kind::kByteFallback, {}, {}}); }
void Decoder::AddFuse() { steps_.push_back({Kind::kFuse, {}, {}}); }

std::string Decoder::Decode(std::vector<std::string> tokens) const {
  std::string text;
  if (!present_) {
    for (size_t k = 0; k < tokens.size(); ++k) {
      if (k > 0) text.push_back(' ');
      text.append(tokens[k]);
    }
    return text;
  }
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::kReplace:
        for (std::string& t : tokens) ReplaceAll(&t, step.pattern, step.content);
        break;
      case Kind::kByteFallback:
        tokens = ByteFallback(std::move(tokens));
        break;
      case Kind::kFuse: {
        std::string fused;
        for (const std::string& t : tokens) fused.append(t);
        tokens.assign(1, std::move(fused));
        break;
      }
    }
  }
  for (const std::string& t : tokens) text.append(t);
  return text;
}

}  // namespace gembed::tok
