// The items a task command works on, from one of three sources:
//   --input FILE|-   JSONL, one object a line: {"text": …, "id"?: …, "title"?: …, "label"?: …}
//   --lines FILE|-   plain text, one item a line
//   TEXT arguments   one item each
// Blank lines are skipped. A bad line is an error "FILE line N: what is wrong", or, with
// skip_bad, left out after a notice saying the same.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace gembed::tasks {

struct TaskItem {
  std::string id;                     // the "id" given (a number is kept as its digits), else the line / argument number
  std::string text;
  std::optional<std::string> title;
  std::optional<std::string> label;   // a string, or a number/boolean as written
  size_t line = 0;                    // 1-based line in the source (argument position for TEXT arguments)
};

struct ItemSource {
  std::string jsonl;                  // --input
  std::string lines;                  // --lines
  std::vector<std::string> texts;     // TEXT arguments
  bool skip_bad = false;
};

struct Items {
  std::vector<TaskItem> items;
  std::string source;  // "FILE", "stdin", or "" for TEXT arguments
  size_t skipped = 0;

  // "FILE line N" / "text argument N": where item i came from, for messages.
  std::string Where(size_t i) const;
};

// Reads every item; `notice` receives one message per skipped line. Throws gembed::Error
// when no source or more than one is given, a file cannot be opened, a line is bad (unless
// skip_bad), or nothing is left to work on.
Items ReadItems(const ItemSource& source, const std::function<void(const std::string&)>& notice);

// Parses one JSONL line (exposed for tests); throws gembed::Error prefixed with `where`.
TaskItem ParseItemLine(const std::string& line, const std::string& where);

// Reads items from a stream (exposed for tests); `name` names it in messages.
Items ReadItemStream(std::istream& in, const std::string& name, bool jsonl, bool skip_bad,
                     const std::function<void(const std::string&)>& notice);

}  // namespace gembed::tasks
