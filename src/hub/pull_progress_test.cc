#include "hub/pull_progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace gembed::hub {
namespace {

// Everything a reporter wrote to a temporary file.
std::string Written(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

TEST(PullProgress, HumanSizesUseSiUnits) {
  EXPECT_EQ(HumanSize(12), "12 B");
  EXPECT_EQ(HumanSize(17000), "17.0 kB");
  EXPECT_EQ(HumanSize(16898016), "16.9 MB");
  EXPECT_EQ(HumanSize(1210000000), "1.2 GB");
}

TEST(PullProgress, LinesNameEachFileAndItsResumePoint) {
  std::FILE* f = std::tmpfile();
  auto p = MakeLineProgress(f, std::chrono::milliseconds(0));
  p->FileStart("model.safetensors", 1, 2, 2000000, 500000);
  p->FileProgress(1000000);
  p->FileDone(true);
  p->FileStart("config.json", 2, 2, 1000, 1000);
  p->FileDone(false);
  p->Notice("offline");
  const std::string s = Written(f);
  EXPECT_NE(s.find("gembed: [1/2] downloading model.safetensors (2.0 MB, resuming at 500.0 kB)\n"), std::string::npos) << s;
  EXPECT_NE(s.find("gembed: [1/2] model.safetensors: 50% (1.0 MB of 2.0 MB"), std::string::npos) << s;
  EXPECT_NE(s.find("gembed: [1/2] model.safetensors: done\n"), std::string::npos) << s;
  EXPECT_NE(s.find("gembed: [2/2] config.json: already in the cache\n"), std::string::npos) << s;
  EXPECT_NE(s.find("gembed: offline\n"), std::string::npos) << s;
  EXPECT_EQ(s.find('\r'), std::string::npos) << "lines only, no redrawing";
}

TEST(PullProgress, LinesComeAtMostOncePerInterval) {
  std::FILE* f = std::tmpfile();
  auto p = MakeLineProgress(f, std::chrono::hours(1));
  p->FileStart("big.gguf", 1, 1, 100, 0);
  for (int i = 1; i <= 100; ++i) p->FileProgress(i);
  p->FileDone(true);
  const std::string s = Written(f);
  EXPECT_EQ(s, "gembed: [1/1] downloading big.gguf (100 B)\ngembed: [1/1] big.gguf: done\n");
}

TEST(PullProgress, TheBarIsRedrawnInPlace) {
  std::FILE* f = std::tmpfile();
  auto p = MakeBarProgress(f);
  p->FileStart("model.safetensors", 1, 1, 1000, 0);
  p->FileProgress(500);
  p->FileDone(true);
  const std::string s = Written(f);
  EXPECT_NE(s.find("\r\033[K[1/1] model.safetensors"), std::string::npos) << s;
  EXPECT_NE(s.find("[############------------]  50%"), std::string::npos) << s;
  EXPECT_NE(s.find("[########################] 100% 1.0 kB/1.0 kB"), std::string::npos) << s;
  EXPECT_EQ(s.back(), '\n');
}

}  // namespace
}  // namespace gembed::hub
