#include "hub/pull_progress.h"

#include <unistd.h>

#include <algorithm>

namespace gembed::hub {
namespace {
using Clock = std::chrono::steady_clock;

class SilentProgress : public PullProgress {
 public:
  void Notice(const std::string&) override {}
  void FileStart(const std::string&, int, int, uint64_t, uint64_t) override {}
  void FileProgress(uint64_t) override {}
  void FileDone(bool) override {}
};

// Shared state of the two visible reporters: the current file and when it started.
class FileState {
 protected:
  std::string path_;
  int index_ = 0, count_ = 0;
  uint64_t size_ = 0, start_bytes_ = 0, bytes_ = 0;
  Clock::time_point started_;

  void Begin(const std::string& path, int index, int count, uint64_t size, uint64_t resumed_from) {
    path_ = path, index_ = index, count_ = count, size_ = size, start_bytes_ = bytes_ = resumed_from;
    started_ = Clock::now();
  }
  double BytesPerSecond() const {
    const double s = std::chrono::duration<double>(Clock::now() - started_).count();
    return s > 0.05 ? double(bytes_ - start_bytes_) / s : 0.0;
  }
  int Percent() const { return size_ == 0 ? 100 : int(std::min<uint64_t>(100, bytes_ * 100 / size_)); }
  std::string Counter() const {
    char buf[48];
    std::snprintf(buf, sizeof buf, "[%d/%d]", index_, count_);  // (GCC 12 warns falsely on "[" + to_string)
    return buf;
  }
};

class LineProgress : public PullProgress, FileState {
 public:
  LineProgress(FILE* out, std::chrono::milliseconds interval) : out_(out), interval_(interval) {}
  void Notice(const std::string& m) override { std::fprintf(out_, "gembed: %s\n", m.c_str()), std::fflush(out_); }
  void FileStart(const std::string& path, int index, int count, uint64_t size, uint64_t resumed_from) override {
    Begin(path, index, count, size, resumed_from);
    last_ = started_;
    announced_ = false;
  }
  void FileProgress(uint64_t bytes) override {
    bytes_ = bytes;
    if (!announced_) Announce();
    if (Clock::now() - last_ < interval_) return;
    last_ = Clock::now();
    std::fprintf(out_, "gembed: %s %s: %d%% (%s of %s, %s/s)\n", Counter().c_str(), path_.c_str(), Percent(), HumanSize(bytes_).c_str(),
                 HumanSize(size_).c_str(), HumanSize(uint64_t(BytesPerSecond())).c_str());
    std::fflush(out_);
  }
  void FileDone(bool downloaded) override {
    if (!downloaded) {
      std::fprintf(out_, "gembed: %s %s: already in the cache\n", Counter().c_str(), path_.c_str());
    } else {
      if (!announced_) Announce();
      std::fprintf(out_, "gembed: %s %s: done\n", Counter().c_str(), path_.c_str());
    }
    std::fflush(out_);
  }

 private:
  void Announce() {
    announced_ = true;
    std::string resumed = start_bytes_ > 0 ? ", resuming at " + HumanSize(start_bytes_) : "";
    std::fprintf(out_, "gembed: %s downloading %s (%s%s)\n", Counter().c_str(), path_.c_str(), HumanSize(size_).c_str(), resumed.c_str());
  }
  FILE* out_;
  std::chrono::milliseconds interval_;
  Clock::time_point last_;
  bool announced_ = false;
};

class BarProgress : public PullProgress, FileState {
 public:
  explicit BarProgress(FILE* out) : out_(out) {}
  void Notice(const std::string& m) override { std::fprintf(out_, "\r\033[Kgembed: %s\n", m.c_str()), std::fflush(out_); }
  void FileStart(const std::string& path, int index, int count, uint64_t size, uint64_t resumed_from) override {
    Begin(path, index, count, size, resumed_from);
    drawn_ = Clock::time_point{};
  }
  void FileProgress(uint64_t bytes) override {
    bytes_ = bytes;
    if (Clock::now() - drawn_ < std::chrono::milliseconds(100)) return;  // redraw ≤ 10×/s
    Draw();
  }
  void FileDone(bool downloaded) override {
    if (downloaded) {
      bytes_ = size_;
      Draw();
      std::fprintf(out_, "\n");
    } else {
      std::fprintf(out_, "\r\033[K%s %s: already in the cache\n", Counter().c_str(), path_.c_str());
    }
    std::fflush(out_);
  }

 private:
  void Draw(const std::string& suffix = "") {
    drawn_ = Clock::now();
    constexpr int kWidth = 24;
    const int filled = Percent() * kWidth / 100;
    const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '-');
    std::string name = path_.size() > 40 ? "…" + path_.substr(path_.size() - 39) : path_;
    std::fprintf(out_, "\r\033[K%s %-40s [%s] %3d%% %s/%s %s/s%s", Counter().c_str(), name.c_str(), bar.c_str(), Percent(), HumanSize(bytes_).c_str(),
                 HumanSize(size_).c_str(), HumanSize(uint64_t(BytesPerSecond())).c_str(), suffix.c_str());
    std::fflush(out_);
  }
  FILE* out_;
  Clock::time_point drawn_;
};

}  // namespace

std::string HumanSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[u]);
  return buf;
}

std::unique_ptr<PullProgress> MakeSilentProgress() { return std::make_unique<SilentProgress>(); }
std::unique_ptr<PullProgress> MakeLineProgress(FILE* out, std::chrono::milliseconds interval) { return std::make_unique<LineProgress>(out, interval); }
std::unique_ptr<PullProgress> MakeBarProgress(FILE* out) { return std::make_unique<BarProgress>(out); }

std::unique_ptr<PullProgress> MakeStderrProgress(bool quiet) {
  if (quiet) return MakeSilentProgress();
  if (::isatty(STDERR_FILENO)) return MakeBarProgress(stderr);
  return MakeLineProgress(stderr);
}

}  // namespace gembed::hub
