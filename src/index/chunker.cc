#include "index/chunker.h"

#include <algorithm>

#include "base/error.h"

namespace gembed::index {
namespace {

// A piece of a chunk: a whole line (ends_line) or a part of a long one.
struct Unit {
  std::string_view text;
  int line;
  bool ends_line;
  int tokens;
};

size_t Utf8CharLen(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

// Splits one over-long line into pieces of at most `budget` tokens: words (each with its
// trailing spaces) are gathered greedily; a word over the budget is cut at characters.
void SplitLongLine(std::string_view line, int line_no, const TokenCounter& count, int budget, std::vector<Unit>* out) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < line.size();) {
    size_t j = line.find(' ', i);
    j = j == std::string_view::npos ? line.size() : line.find_first_not_of(' ', j);
    if (j == std::string_view::npos) j = line.size();
    words.push_back(line.substr(i, j - i));
    i = j;
  }
  std::vector<std::string_view> pieces;
  for (std::string_view w : words) {
    if (count(w) <= budget) {
      pieces.push_back(w);
      continue;
    }
    // A character can take up to 4 byte-fallback tokens: budget/4 characters always fit.
    const size_t chars = std::max(1, budget / 4);
    size_t start = 0, pos = 0, n = 0;
    while (pos < w.size()) {
      pos += Utf8CharLen(static_cast<unsigned char>(w[pos]));
      if (++n == chars || pos >= w.size()) {
        pieces.push_back(w.substr(start, std::min(pos, w.size()) - start));
        start = pos;
        n = 0;
      }
    }
  }
  // Gather pieces greedily into units within the budget.
  size_t i = 0;
  while (i < pieces.size()) {
    const char* begin = pieces[i].data();
    size_t len = pieces[i].size();
    int tokens = count(pieces[i]);
    size_t j = i + 1;
    while (j < pieces.size()) {
      const std::string_view joined(begin, len + pieces[j].size());
      const int t = count(joined);
      if (t > budget) break;
      len = joined.size();
      tokens = t;
      ++j;
    }
    out->push_back({std::string_view(begin, len), line_no, j == pieces.size(), tokens});
    i = j;
  }
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos; }

}  // namespace

std::vector<Chunk> ChunkPlainText(std::string_view text, const std::string& title, const TokenCounter& count,
                                  const ChunkOptions& options, int first_line) {
  if (options.max_tokens < 1) throw Error("chunk size must be at least 1 token");
  if (options.overlap < 0 || options.overlap >= options.max_tokens) {
    throw Error("chunk overlap must be between 0 and the chunk size minus 1 (got " + std::to_string(options.overlap) + ")");
  }
  const int budget = options.max_tokens;
  std::vector<Unit> units;
  int line_no = first_line;
  for (size_t pos = 0; pos < text.size(); ++line_no) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    // The newline counts as part of the line (Gemma tokenises it as its own token).
    const int tokens = line.empty() ? 1 : count(line) + 1;
    if (tokens <= budget) {
      units.push_back({line, line_no, true, tokens});
    } else {
      SplitLongLine(line, line_no, count, budget - 1, &units);
    }
  }

  std::vector<Chunk> chunks;
  size_t start = 0;
  while (start < units.size()) {
    size_t end = start;
    int sum = 0;
    while (end < units.size() && (end == start || sum + units[end].tokens <= budget)) sum += units[end++].tokens;
    Chunk c;
    c.title = title;
    c.line_start = units[start].line;
    c.line_end = units[end - 1].line;
    for (size_t i = start; i < end; ++i) {
      c.text += units[i].text;
      if (units[i].ends_line && i + 1 < end) c.text += '\n';
    }
    if (!IsBlank(c.text)) chunks.push_back(std::move(c));
    if (end == units.size()) break;
    // Step back over whole units worth at most `overlap` tokens, always moving forward.
    size_t next = end;
    int back = 0;
    while (next > start + 1 && back + units[next - 1].tokens <= options.overlap) back += units[--next].tokens;
    start = next;
  }
  return chunks;
}

namespace {

// "## Title ##" → level 2, "Title"; 0 when the line is not an ATX heading.
int HeadingLevel(std::string_view line, std::string* heading) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  size_t level = 0;
  while (i + level < line.size() && line[i + level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  const size_t after = i + level;
  if (after < line.size() && line[after] != ' ' && line[after] != '\t') return 0;
  std::string_view h = after < line.size() ? line.substr(after) : std::string_view();
  while (!h.empty() && (h.back() == '\r' || h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  while (!h.empty() && h.back() == '#') h.remove_suffix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  *heading = std::string(h);
  return static_cast<int>(level);
}

bool IsFence(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  return i != std::string_view::npos && i <= 3 && (line.substr(i, 3) == "```" || line.substr(i, 3) == "~~~");
}

}  // namespace

std::vector<Chunk> ChunkMarkdown(std::string_view text, const std::string& title, const TokenCounter& count,
                                 const ChunkOptions& options) {
  std::vector<Chunk> chunks;
  std::vector<std::pair<int, std::string>> path;  // open headings: level, text
  std::string section_title = title;
  size_t section_begin = 0;
  int section_line = 1;
  bool in_fence = false;
  auto flush = [&](size_t end) {
    auto part = ChunkPlainText(text.substr(section_begin, end - section_begin), section_title, count, options, section_line);
    for (auto& c : part) chunks.push_back(std::move(c));
  };
  int line_no = 1;
  for (size_t pos = 0; pos < text.size(); ++line_no) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    std::string heading;
    if (IsFence(line)) in_fence = !in_fence;
    const int level = in_fence ? 0 : HeadingLevel(line, &heading);
    if (level > 0) {
      if (pos > section_begin) flush(pos);
      while (!path.empty() && path.back().first >= level) path.pop_back();
      path.emplace_back(level, heading);
      section_title.clear();
      for (const auto& [l, h] : path) section_title += (section_title.empty() ? "" : " > ") + h;
      if (section_title.empty()) section_title = title;
      section_begin = pos;
      section_line = line_no;
    }
    pos = nl + 1;
  }
  if (section_begin < text.size()) flush(text.size());
  return chunks;
}

}  // namespace gembed::index
