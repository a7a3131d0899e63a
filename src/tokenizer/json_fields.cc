#include "tokenizer/json_fields.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/error.h"
#include "base/mapped_file.h"
#include "base/utf8.h"

namespace gembed::tok {
namespace {

namespace od = simdjson::ondemand;

// Nesting limit of the scanner, as simdjson's default (which the skeleton's parse applies
// too); it also bounds the scanner's recursion.
constexpr int kMaxDepth = 1024;

simdjson::error_code Walk(od::value value, int depth);

simdjson::error_code WalkFields(od::object object, int depth) {
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return e;
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    if (auto e = Walk(field.value(), depth + 1)) return e;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code Walk(od::value value, int depth) {
  if (depth > 256) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = value.get_object().get(object)) return e;
      return WalkFields(object, depth);
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = value.get_array().get(array)) return e;
      for (auto element_result : array) {
        od::value element;
        if (auto e = std::move(element_result).get(element)) return e;
        if (auto e = Walk(element, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      double d;
      return value.get_double().get(d);
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null;
      if (auto e = value.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::SUCCESS;
}

// The DOM parser reports what is wrong but not where. On that (rare) path, walk the text
// again with the on-demand parser, which can say where it stopped. Returns the byte
// offset, or npos when it cannot tell. `text` must have SIMDJSON_PADDING bytes after it.
size_t LocateError(std::string_view text) {
  od::parser parser;
  od::document doc;
  const simdjson::padded_string_view padded(text.data(), text.size(),
                                            text.size() + simdjson::SIMDJSON_PADDING);
  if (parser.iterate(padded).get(doc)) return std::string::npos;
  simdjson::error_code error = simdjson::SUCCESS;
  od::value root;
  error = doc.get_value().get(root);
  if (!error) error = Walk(root, 0);
  if (!error) return std::string::npos;
  const char* where = nullptr;
  if (doc.current_location().get(where) || where == nullptr) return std::string::npos;
  return static_cast<size_t>(where - text.data());
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The first byte in [p, end) that is not JSON whitespace, or end. 16 bytes at a time:
// Gemma's file is two thirds indentation.
const char* SkipSpaces(const char* p, const char* end) {
  if (p == end || !IsSpace(*p)) return p;
#ifdef __SSE2__
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto is = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    const __m128i space =
        _mm_or_si128(_mm_or_si128(is(' '), is('\n')), _mm_or_si128(is('\r'), is('\t')));
    const unsigned other = ~static_cast<unsigned>(_mm_movemask_epi8(space)) & 0xFFFFu;
    if (other != 0) return p + __builtin_ctz(other);
    p += 16;
  }
#endif
  while (p < end && IsSpace(*p)) ++p;
  return p;
}

// The first byte in [p, end) that ends a run of plain string bytes: '"', '\\' or a
// control character; end if none.
const char* FindStringSpecial(const char* p, const char* end) {
#ifdef __SSE2__
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto is = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);  // v < 0x20
    const __m128i special = _mm_or_si128(_mm_or_si128(is('"'), is('\\')), control);
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return p;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Characters that may not directly follow a number or a literal.
bool IsWordChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '+' || c == '-' || c == '_';
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The whole file, mapped read-only; pages already scanned can be released.
class MappedText {
 public:
  explicit MappedText(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open tokenizer file '" + path + "': " + std::strerror(errno));
    struct stat info;
    if (::fstat(fd, &info) != 0) {
      const int e = errno;
      ::close(fd);
      throw Error("cannot read tokenizer file '" + path + "': " + std::strerror(e));
    }
    if (!S_ISREG(info.st_mode)) {
      ::close(fd);
      throw Error("tokenizer file '" + path + "' is not a regular file");
    }
    size_ = static_cast<size_t>(info.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        throw Error("cannot read tokenizer file '" + path + "': " + std::strerror(e));
      }
      data_ = static_cast<const char*>(p);
      ::madvise(p, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);  // the mapping keeps the file
  }
  ~MappedText() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedText(const MappedText&) = delete;
  MappedText& operator=(const MappedText&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// A strict, single-pass JSON scanner (RFC 8259, with simdjson's judgement of number
// ranges where a value is taken): it checks the whole text, copies everything but the
// bulk values into the skeleton and hands the bulk values to the sink.
class Scanner {
 public:
  Scanner(const char* text, size_t size, const std::string& path, BulkSink* sink)
      : base_(text),
        p_(text),
        end_(text + size),
        released_(text),
        validated_(text),
        path_(path),
        sink_(sink) {}

  void Run();
  // The skeleton, followed by SIMDJSON_PADDING spaces.
  std::string& skeleton() { return skeleton_; }
  size_t skeleton_size() const { return skeleton_size_; }
  // The file offset of a skeleton offset.
  size_t FileOffset(size_t skeleton_offset) const;
  bool vocab_streamed() const { return vocab_streamed_; }
  bool merges_streamed() const { return merges_streamed_; }

 private:
  enum class Level { kOther, kRoot, kModel };
  struct Replaced {
    size_t skeleton_at;  // where the 2-byte placeholder starts
    size_t file_begin;
    size_t file_end;
  };

  [[noreturn]] void Malformed(const char* at, const std::string& what) const;
  [[noreturn]] void Unexpected(const char* expected) const;
  char Peek() const { return p_ < end_ ? *p_ : '\0'; }
  void SkipSpace() { p_ = SkipSpaces(p_, end_); }

  void Value(int depth);
  void Object(int depth, Level level);
  void Array(int depth);
  // The string at p_ (a '"'), unescaped: a view of the text, or of *scratch when it has
  // escapes.
  std::string_view String(std::string* scratch);
  // Checks that the text is valid UTF-8 through q (a string's closing quote), and a
  // block beyond.
  void ValidateUtf8Through(const char* q);
  const char* Escape(const char* q, std::string* out) const;
  bool Hex4(const char* q, uint32_t* cp) const;
  // Consumes a number; true with *id when it is an int64. Outside the bulk values the
  // range is left to the skeleton's parse (and the result is false for all but short
  // integers).
  bool Number(int64_t* id);
  bool SimdjsonNumber(const char* begin, const char* end, int64_t* id);
  void Literal();

  void Vocab(int depth);
  void Merges(int depth);
  void BeginBulk();
  void EndBulk(const char* placeholder);
  void Release();

  const char* const base_;
  const char* p_;
  const char* const end_;
  const char* released_;   // pages before this went back to the kernel
  const char* validated_;  // the text before this is valid UTF-8
  const std::string& path_;
  BulkSink* const sink_;

  std::string skeleton_;
  size_t skeleton_size_ = 0;
  size_t copied_ = 0;  // file bytes before this offset are in the skeleton (or replaced)
  bool in_bulk_ = false;
  size_t bulk_begin_ = 0;
  std::vector<Replaced> replaced_;
  bool seen_model_ = false;
  bool seen_vocab_ = false;
  bool seen_merges_ = false;
  bool vocab_streamed_ = false;
  bool merges_streamed_ = false;

  std::string key_scratch_;  // also the left string of a merge
  std::string right_scratch_;
  std::string other_scratch_;
  simdjson::dom::parser number_parser_;
};

void Scanner::Malformed(const char* at, const std::string& what) const {
  throw Error("malformed JSON in tokenizer file '" + path_ + "' at byte " +
              std::to_string(at - base_) + ": " + what);
}

void Scanner::Unexpected(const char* expected) const {
  if (p_ == end_) Malformed(p_, std::string("unexpected end of file, expected ") + expected);
  const auto c = static_cast<unsigned char>(*p_);
  char shown[16];
  if (c >= 0x20 && c < 0x7F) {
    std::snprintf(shown, sizeof shown, "'%c'", c);
  } else {
    std::snprintf(shown, sizeof shown, "byte 0x%02X", c);
  }
  Malformed(p_, std::string("unexpected ") + shown + ", expected " + expected);
}

void Scanner::Run() {
  SkipSpace();
  if (p_ == end_) Malformed(p_, "the file holds no JSON value");
  if (*p_ == '{') {
    Object(1, sink_ != nullptr ? Level::kRoot : Level::kOther);
  } else {
    Value(1);
  }
  SkipSpace();
  if (p_ != end_) Unexpected("the end of the file after the JSON value");
  skeleton_.append(base_ + copied_, end_);
  skeleton_size_ = skeleton_.size();
  skeleton_.append(simdjson::SIMDJSON_PADDING, ' ');
}

size_t Scanner::FileOffset(size_t skeleton_offset) const {
  size_t delta = 0;  // file offset - skeleton offset, so far
  for (const Replaced& r : replaced_) {
    if (skeleton_offset < r.skeleton_at) break;
    if (skeleton_offset < r.skeleton_at + 2) return r.file_begin;
    delta = r.file_end - (r.skeleton_at + 2);
  }
  return skeleton_offset + delta;
}

void Scanner::Value(int depth) {
  switch (Peek()) {
    case '{':
      Object(depth, Level::kOther);
      return;
    case '[':
      Array(depth);
      return;
    case '"':
      String(&other_scratch_);
      return;
    case 't':
    case 'f':
    case 'n':
      Literal();
      return;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
      int64_t unused;
      Number(&unused);
      return;
    }
    default:
      Unexpected("a JSON value");
  }
}

void Scanner::Object(int depth, Level level) {
  if (depth > kMaxDepth) Malformed(p_, "arrays and objects nested too deep");
  ++p_;  // '{'
  SkipSpace();
  if (Peek() == '}') {
    ++p_;
    return;
  }
  for (;;) {
    if (Peek() != '"') Unexpected("a string (an object key)");
    const std::string_view key = String(&key_scratch_);
    SkipSpace();
    if (Peek() != ':') Unexpected("':' after an object key");
    ++p_;
    SkipSpace();
    // The first key of each name is the one the DOM's at_key finds.
    bool done = false;
    if (level == Level::kRoot && key == "model" && !seen_model_) {
      seen_model_ = true;
      if (Peek() == '{') {
        Object(depth + 1, Level::kModel);
        done = true;
      }
    } else if (level == Level::kModel && key == "vocab" && !seen_vocab_) {
      seen_vocab_ = true;
      if (Peek() == '{') {
        Vocab(depth + 1);
        done = true;
      }
    } else if (level == Level::kModel && key == "merges" && !seen_merges_) {
      seen_merges_ = true;
      if (Peek() == '[') {
        Merges(depth + 1);
        done = true;
      }
    }
    if (!done) Value(depth + 1);
    SkipSpace();
    if (Peek() == ',') {
      ++p_;
      SkipSpace();
      continue;
    }
    if (Peek() == '}') {
      ++p_;
      return;
    }
    Unexpected("',' or '}' after an object member");
  }
}

void Scanner::Array(int depth) {
  if (depth > kMaxDepth) Malformed(p_, "arrays and objects nested too deep");
  ++p_;  // '['
  SkipSpace();
  if (Peek() == ']') {
    ++p_;
    return;
  }
  for (;;) {
    Value(depth + 1);
    SkipSpace();
    if (Peek() == ',') {
      ++p_;
      SkipSpace();
      continue;
    }
    if (Peek() == ']') {
      ++p_;
      return;
    }
    Unexpected("',' or ']' after an array element");
  }
}

void Scanner::ValidateUtf8Through(const char* q) {
  constexpr ptrdiff_t kBlock = ptrdiff_t{1} << 20;
  const char* stop = end_ - validated_ > kBlock ? validated_ + kBlock : end_;
  if (stop <= q) stop = q + 1;  // after an ASCII '"': a character boundary
  while (stop < end_ && static_cast<unsigned char>(*stop) >= 0x80) ++stop;  // and so is ASCII
  const auto block = static_cast<size_t>(stop - validated_);
  if (!simdjson::validate_utf8(validated_, block)) {
    const size_t bad = FindInvalidUtf8(std::string_view(validated_, block));
    Malformed(validated_ + (bad == std::string_view::npos ? 0 : bad), "invalid UTF-8");
  }
  validated_ = stop;
}

bool Scanner::Hex4(const char* q, uint32_t* cp) const {
  if (end_ - q < 4) return false;
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    const char c = q[k];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = v * 16 + d;
  }
  *cp = v;
  return true;
}

const char* Scanner::Escape(const char* q, std::string* out) const {
  if (end_ - q < 2) Malformed(q, "unterminated string");
  char c;
  switch (q[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
      uint32_t cp;
      if (!Hex4(q + 2, &cp)) Malformed(q, "invalid \\u escape (expected 4 hex digits)");
      const char* next = q + 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t low;
        if (end_ - next < 6 || next[0] != '\\' || next[1] != 'u' || !Hex4(next + 2, &low) ||
            low < 0xDC00 || low > 0xDFFF) {
          Malformed(q, "\\u escape of a high surrogate without a low surrogate after it");
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        next += 6;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        Malformed(q, "\\u escape of a low surrogate without a high surrogate before it");
      }
      AppendUtf8(cp, out);
      return next;
    }
    default:
      Malformed(q, "invalid escape in a string");
  }
  out->push_back(c);
  return q + 2;
}

std::string_view Scanner::String(std::string* scratch) {
  const char* open = p_;
  const char* q = FindStringSpecial(open + 1, end_);
  if (q < end_ && *q == '"') {  // the common case: no escapes
    if (q >= validated_) ValidateUtf8Through(q);
    p_ = q + 1;
    return std::string_view(open + 1, static_cast<size_t>(q - open - 1));
  }
  scratch->assign(open + 1, q);
  for (;;) {
    if (q == end_) Malformed(open, "unterminated string");
    if (*q == '"') break;
    if (*q != '\\') Malformed(q, "unescaped control character in a string");
    q = Escape(q, scratch);
    const char* run = FindStringSpecial(q, end_);
    scratch->append(q, run);
    q = run;
  }
  if (q >= validated_) ValidateUtf8Through(q);
  p_ = q + 1;
  return *scratch;
}

bool Scanner::Number(int64_t* id) {
  const char* begin = p_;
  const char* q = p_;
  const bool negative = *q == '-';
  if (negative) ++q;
  if (q == end_ || !IsDigit(*q)) Malformed(begin, "invalid number");
  const char* digits = q;
  if (*q == '0') {
    ++q;
  } else {
    while (q < end_ && IsDigit(*q)) ++q;
  }
  const auto digit_count = static_cast<size_t>(q - digits);
  bool integer = true;
  if (q < end_ && *q == '.') {
    integer = false;
    ++q;
    if (q == end_ || !IsDigit(*q)) Malformed(begin, "invalid number");
    while (q < end_ && IsDigit(*q)) ++q;
  }
  if (q < end_ && (*q == 'e' || *q == 'E')) {
    integer = false;
    ++q;
    if (q < end_ && (*q == '+' || *q == '-')) ++q;
    if (q == end_ || !IsDigit(*q)) Malformed(begin, "invalid number");
    while (q < end_ && IsDigit(*q)) ++q;
  }
  if (q < end_ && IsWordChar(*q)) Malformed(begin, "invalid number");
  p_ = q;
  if (integer && digit_count <= 18) {  // fits an int64 whatever the digits
    int64_t v = 0;
    for (const char* d = digits; d < q; ++d) v = v * 10 + (*d - '0');
    *id = negative ? -v : v;
    return true;
  }
  if (!in_bulk_) return false;
  return SimdjsonNumber(begin, q, id);
}

// simdjson's verdict on a number literal that is not a short integer: malformed (a parse
// error, thrown as the DOM parse would have failed), an int64, or another number.
bool Scanner::SimdjsonNumber(const char* begin, const char* end, int64_t* id) {
  const simdjson::padded_string literal(begin, static_cast<size_t>(end - begin));
  simdjson::dom::element e;
  if (auto error = number_parser_.parse(literal).get(e)) {
    Malformed(begin, simdjson::error_message(error));
  }
  return !e.get(*id);
}

void Scanner::Literal() {
  const auto rest = static_cast<size_t>(end_ - p_);
  size_t len = 0;
  for (const char* word : {"true", "false", "null"}) {
    const size_t n = std::strlen(word);
    if (rest >= n && std::memcmp(p_, word, n) == 0) {
      len = n;
      break;
    }
  }
  if (len == 0 || (rest > len && IsWordChar(p_[len]))) Malformed(p_, "invalid literal");
  p_ += len;
}

void Scanner::BeginBulk() {
  skeleton_.append(base_ + copied_, p_);
  bulk_begin_ = static_cast<size_t>(p_ - base_);
  in_bulk_ = true;
  Release();
}

void Scanner::EndBulk(const char* placeholder) {
  replaced_.push_back({skeleton_.size(), bulk_begin_, static_cast<size_t>(p_ - base_)});
  skeleton_.append(placeholder);
  copied_ = static_cast<size_t>(p_ - base_);
  in_bulk_ = false;
}

// Returns the pages scanned so far to the kernel (every MB): they are file pages, so
// this only drops them from the process's resident set; reading them again would fault
// them back in from the page cache.
void Scanner::Release() {
  constexpr ptrdiff_t kStep = ptrdiff_t{1} << 20;
  const char* upto = in_bulk_ ? p_ : base_ + copied_;
  if (upto - released_ < kStep) return;
  ReleaseMappedPages(released_, static_cast<size_t>(upto - released_));
  released_ = upto;
}

void Scanner::Vocab(int depth) {
  if (depth > kMaxDepth) Malformed(p_, "arrays and objects nested too deep");
  BeginBulk();
  vocab_streamed_ = true;
  ++p_;  // '{'
  SkipSpace();
  if (Peek() != '}') {
    for (size_t n = 0;; ++n) {
      if ((n & 1023) == 0) Release();
      if (Peek() != '"') Unexpected("a string (an object key)");
      const std::string_view token = String(&key_scratch_);
      SkipSpace();
      if (Peek() != ':') Unexpected("':' after an object key");
      ++p_;
      SkipSpace();
      int64_t id = 0;
      bool is_int = false;
      const char c = Peek();
      if (c == '-' || IsDigit(c)) {
        is_int = Number(&id);
      } else {
        Value(depth + 1);
      }
      sink_->VocabEntry(token, is_int, id);
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (Peek() == '}') break;
      Unexpected("',' or '}' after an object member");
    }
  }
  ++p_;  // '}'
  EndBulk("{}");
  sink_->VocabEnd();
}

void Scanner::Merges(int depth) {
  if (depth > kMaxDepth) Malformed(p_, "arrays and objects nested too deep");
  BeginBulk();
  merges_streamed_ = true;
  ++p_;  // '['
  SkipSpace();
  if (Peek() != ']') {
    for (size_t n = 0;; ++n) {
      if ((n & 1023) == 0) Release();
      const char* item = p_;
      const char c = Peek();
      if (c == '[') {
        // The common case, a [left, right] pair of strings, in one go; anything else is
        // scanned again as a plain array.
        bool pair = false;
        ++p_;
        SkipSpace();
        if (Peek() == '"') {
          const std::string_view left = String(&key_scratch_);
          SkipSpace();
          if (Peek() == ',') {
            ++p_;
            SkipSpace();
            if (Peek() == '"') {
              const std::string_view right = String(&right_scratch_);
              SkipSpace();
              if (Peek() == ']') {
                ++p_;
                pair = true;
                sink_->MergesItem(MergeItem::kPair, left, right);
              }
            }
          }
        }
        if (!pair) {
          p_ = item;
          Array(depth + 1);
          sink_->MergesItem(MergeItem::kBadArray, {}, {});
        }
      } else if (c == '"') {
        sink_->MergesItem(MergeItem::kLine, String(&key_scratch_), {});
      } else {
        Value(depth + 1);
        sink_->MergesItem(MergeItem::kOther, {}, {});
      }
      SkipSpace();
      if (Peek() == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (Peek() == ']') break;
      Unexpected("',' or ']' after an array element");
    }
  }
  ++p_;  // ']'
  EndBulk("[]");
  sink_->MergesEnd();
}

}  // namespace

std::string Quote(std::string_view s) {
  std::string out = "'";
  size_t shown = 0;
  for (char c : s) {
    if (++shown > 80) {
      out += "...";
      break;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

JsonFile::JsonFile(const std::string& path, BulkSink* bulk) : path_(path) {
  {
    const MappedText text(path);
    Scanner scanner(text.data(), text.size(), path, bulk);
    scanner.Run();
    vocab_streamed_ = scanner.vocab_streamed();
    merges_streamed_ = scanner.merges_streamed();
    text_ = std::move(scanner.skeleton());
    const size_t skeleton_size = scanner.skeleton_size();
    // The scanner accepted the text; simdjson may still refuse what it judges more
    // strictly (number ranges): report that at the file's offset.
    if (auto error = parser_.parse(text_.data(), skeleton_size, false).get(root_)) {
      std::string message = "malformed JSON in tokenizer file '" + path + "'";
      const size_t at = LocateError(std::string_view(text_.data(), skeleton_size));
      if (at != std::string::npos) message += " at byte " + std::to_string(scanner.FileOffset(at));
      throw Error(message + ": " + simdjson::error_message(error));
    }
  }
}

void JsonFile::Fail(const std::string& where, const std::string& what) const {
  throw Error("tokenizer file '" + path_ + "': " + where + ": " + what);
}

simdjson::dom::object JsonFile::Object(simdjson::dom::element e, const std::string& where) const {
  simdjson::dom::object o;
  if (e.get(o)) Fail(where, "expected a JSON object");
  return o;
}

simdjson::dom::array JsonFile::Array(simdjson::dom::element e, const std::string& where) const {
  simdjson::dom::array a;
  if (e.get(a)) Fail(where, "expected a JSON array");
  return a;
}

std::string_view JsonFile::String(simdjson::dom::element e, const std::string& where) const {
  std::string_view s;
  if (e.get(s)) Fail(where, "expected a JSON string");
  return s;
}

int64_t JsonFile::Int(simdjson::dom::element e, const std::string& where) const {
  int64_t v;
  if (e.get(v)) Fail(where, "expected an integer");
  return v;
}

bool JsonFile::Field(simdjson::dom::object o, std::string_view key, simdjson::dom::element* e) {
  return !o.at_key(key).get(*e);
}

simdjson::dom::element JsonFile::Required(simdjson::dom::object o, std::string_view key,
                                          const std::string& where) const {
  simdjson::dom::element e;
  if (!Field(o, key, &e)) Fail(where, "missing key '" + std::string(key) + "'");
  return e;
}

bool JsonFile::Present(simdjson::dom::object o, std::string_view key, simdjson::dom::element* e) {
  return Field(o, key, e) && !e->is_null();
}

bool JsonFile::Bool(simdjson::dom::object o, std::string_view key, const std::string& where,
                    bool fallback) const {
  simdjson::dom::element e;
  if (!Present(o, key, &e)) return fallback;
  bool v;
  if (e.get(v)) Fail(where + "." + std::string(key), "expected true or false");
  return v;
}

std::string_view JsonFile::Type(simdjson::dom::object o, const std::string& where) const {
  return String(Required(o, "type", where), where + ".type");
}

}  // namespace gembed::tok
