// Progress of long embedding runs on a terminal: "embedding 1200/5000 items · 3400 tok/s ·
// 0:12 left", redrawn in place on stderr at most four times a second and wiped at the end.
// When stderr is not a terminal it prints nothing, so scripts and logs stay clean.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace gembed::tasks {

class Progress {
 public:
  // enabled = false makes every call a no-op; Progress::ForStderr() decides by isatty.
  // `unit` names what is counted ("items", "values of k").
  Progress(std::string what, size_t total, bool enabled, std::FILE* out = stderr, std::string unit = "items");
  static Progress ForStderr(std::string what, size_t total, std::string unit = "items");
  ~Progress();

  void Add(size_t items, size_t tokens);  // more work done
  void Finish();                          // wipes the line
  void SetTotal(size_t total) { total_ = total; }

  // The status line for the given state (exposed for tests).
  static std::string Line(const std::string& what, size_t done, size_t total, size_t tokens, double seconds,
                          const std::string& unit = "items");

 private:
  std::string what_, unit_;
  size_t total_, done_ = 0, tokens_ = 0;
  bool enabled_;
  bool shown_ = false;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace gembed::tasks
