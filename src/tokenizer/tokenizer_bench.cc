// tokenizer_bench [tokenizer.json] [text file]: single-thread load time and memory, and
// encode speed.
// Throughput is measured on the text cut into 2 KB chunks (at UTF-8 boundaries, the way
// the fixtures README's HF figure was taken) and on the whole file as one string.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/mapped_file.h"
#include "tokenizer/tokenizer.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// A "VmRSS"-style line of /proc/self/status, in MB (0 where there is none).
double ProcStatusMb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  }
  return 0;
}

std::vector<std::string_view> Chunks(std::string_view text, size_t size) {
  std::vector<std::string_view> chunks;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = std::min(text.size(), begin + size);
    // Back off to a character boundary (never split a UTF-8 sequence).
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    chunks.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return chunks;
}

// Runs `encode_all` until at least `min_seconds` have passed; returns the best pass time.
template <typename F>
double BestTime(F encode_all, double min_seconds) {
  double best = 1e30;
  const auto start = std::chrono::steady_clock::now();
  do {
    const auto t = std::chrono::steady_clock::now();
    encode_all();
    best = std::min(best, Seconds(t));
  } while (Seconds(start) < min_seconds);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string shared = GEMBED_SHARED_DIR;
  const std::string json = argc > 1 ? argv[1] : shared + "/fixtures/tokenizer/gemma3/tokenizer.json";
  const std::string text_path = argc > 2 ? argv[2] : shared + "/fixtures/tokenizer/bench_1mb.txt";
  try {
    double load = 1e30, load_cpu = 1e30;
    const double rss_before = ProcStatusMb("VmRSS");
    std::unique_ptr<gembed::Tokenizer> tok;
    for (int i = 0; i < 3; ++i) {
      tok.reset();
      const auto t = std::chrono::steady_clock::now();
      const double c = CpuSeconds();
      tok = gembed::Tokenizer::FromFile(json);
      load = std::min(load, Seconds(t));
      load_cpu = std::min(load_cpu, CpuSeconds() - c);
      if (i == 0) {
        // The first load, in a fresh process: what loading costs and what stays.
        const double after = ProcStatusMb("VmRSS");
        std::printf("memory: RSS %.1f MB before load, %.1f MB after (tokenizer %.1f MB), "
                    "peak %.1f MB\n",
                    rss_before, after, after - rss_before, ProcStatusMb("VmHWM"));
      }
    }
    std::printf("load %s: %.1f ms (best of 3; CPU time %.1f ms)\n", json.c_str(), load * 1e3,
                load_cpu * 1e3);

    const std::string text = gembed::ReadTextFile(text_path);
    const double mb = text.size() / 1e6;
    const std::vector<std::string_view> chunks = Chunks(text, 2048);
    size_t chunk_tokens = 0;
    for (std::string_view c : chunks) chunk_tokens += tok->Encode(c).size();
    const double chunked = BestTime([&] { for (std::string_view c : chunks) tok->Encode(c); }, 3.0);
    std::printf("2 KB chunks: %zu chunks, %zu tokens, %.2f MB/s, %.0fk tokens/s\n", chunks.size(),
                chunk_tokens, mb / chunked, chunk_tokens / chunked / 1e3);

    const size_t whole_tokens = tok->Encode(text).size();
    const double whole = BestTime([&] { tok->Encode(text); }, 3.0);
    std::printf("whole file (%zu bytes, 1 string): %zu tokens, %.2f MB/s, %.0fk tokens/s\n",
                text.size(), whole_tokens, mb / whole, whole_tokens / whole / 1e3);
  } catch (const gembed::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
