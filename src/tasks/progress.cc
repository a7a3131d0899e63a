#include "tasks/progress.h"

#include <unistd.h>

#include <cmath>

namespace gembed::tasks {

Progress::Progress(std::string what, size_t total, bool enabled, std::FILE* out, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total), enabled_(enabled), out_(out), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress Progress::ForStderr(std::string what, size_t total, std::string unit) {
  return Progress(std::move(what), total, ::isatty(STDERR_FILENO) == 1, stderr, std::move(unit));
}

Progress::~Progress() { Finish(); }

std::string Progress::Line(const std::string& what, size_t done, size_t total, size_t tokens, double seconds, const std::string& unit) {
  std::string s = what + " " + std::to_string(done) + "/" + std::to_string(total) + " " + unit;
  if (seconds > 0 && tokens > 0) s += " · " + std::to_string(static_cast<long long>(std::llround(tokens / seconds))) + " tok/s";
  if (seconds > 0 && done > 0 && done < total) {
    const long long left = std::llround(seconds * static_cast<double>(total - done) / static_cast<double>(done));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld:%02lld", left / 60, left % 60);
    s += std::string(" · ") + buf + " left";
  }
  return s;
}

void Progress::Add(size_t items, size_t tokens) {
  done_ += items;
  tokens_ += tokens;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_draw_ < std::chrono::milliseconds(250) && done_ < total_) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  std::fprintf(out_, "\r\033[K%s", Line(what_, done_, total_, tokens_, seconds, unit_).c_str());
  std::fflush(out_);
  shown_ = true;
}

void Progress::Finish() {
  if (!shown_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
}

}  // namespace gembed::tasks
