// tokenizer_bench [tokenizer.json] [text file]: single-thread load time and encode speed.
// Throughput is measured on the text cut into 2 KB chunks (at UTF-8 boundaries, the way
// the fixtures README's HF figure was taken) and on the whole file as one string.
#include <algorithm>
#include <chrono>
#include <cstdio>
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
    double load = 1e30;
    std::unique_ptr<gembed::Tokenizer> tok;
    for (int i = 0; i < 3; ++i) {
      const auto t = std::chrono::steady_clock::now();
      tok = gembed::Tokenizer::FromFile(json);
      load = std::min(load, Seconds(t));
    }
    std::printf("load %s: %.1f ms (best of 3)\n", json.c_str(), load * 1e3);

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
