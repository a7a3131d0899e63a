// `gembed embed --precision / --calibration`: quantised output (embedder/output_quantization.h)
// through the writer formats, the .npy calibration reader, and the real binary end to end on
// the tiny-text fixture. The float32 default must stay byte-identical.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "cli/npy_reader.h"
#include "cli/output_writer.h"
#include "embedder/output_quantization.h"
#include "fixtures.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

struct RunResult {
  int status;
  std::string out, err;
};

// Runs the real binary in `dir` (a fresh temp folder the caller owns).
RunResult Gembed(const fs::path& dir, const std::string& args, const std::string& stdin_text = "") {
  std::ofstream(dir / "in") << stdin_text;
  const std::string cmd = std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed " + args + " <" + (dir / "in").string() + " >" +
                          (dir / "out").string() + " 2>" + (dir / "err").string();
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(dir / "out"), Slurp(dir / "err")};
}

std::vector<nlohmann::json> Lines(const std::string& s) {
  std::vector<nlohmann::json> v;
  size_t start = 0;
  while (start < s.size()) {
    const size_t end = s.find('\n', start);
    v.push_back(nlohmann::json::parse(s.substr(start, end - start)));
    start = end + 1;
  }
  return v;
}

// The fixture's texts as JSONL input lines with their prompts.
std::string CaseLines(size_t first, size_t count) {
  const nlohmann::json exp = LoadExpected("tiny-text");
  std::string lines;
  for (size_t i = first; i < first + count && i < exp["cases"].size(); ++i) {
    const auto& c = exp["cases"][i];
    lines += nlohmann::json({{"text", c["text"]}, {"prompt", c["prompt"]}}).dump() + "\n";
  }
  return lines;
}

// Float embeddings of jsonl output, row-major.
std::vector<float> FloatRows(const std::string& jsonl, size_t* rows, size_t* dim) {
  std::vector<float> all;
  const auto lines = Lines(jsonl);
  *rows = lines.size();
  for (const auto& l : lines) {
    const auto e = Floats(l["embedding"]);
    *dim = e.size();
    all.insert(all.end(), e.begin(), e.end());
  }
  return all;
}

// A .npy's data bytes and header text.
std::pair<std::string, std::string> NpyParts(const std::string& npy) {
  EXPECT_EQ(npy.substr(0, 6), "\x93NUMPY");
  const size_t hlen = static_cast<unsigned char>(npy[8]) | (static_cast<unsigned char>(npy[9]) << 8);
  return {npy.substr(10, hlen), npy.substr(10 + hlen)};
}

std::string WriteQuantized(OutputFormat f, Precision p, const std::vector<std::vector<uint8_t>>& rows) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  {
    EmbeddingWriter w(mem, f, p);
    for (const auto& r : rows) w.WriteQuantized(r, 5, false);
    w.Finish();
  }
  std::fclose(mem);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

TEST(PrecisionWriter, IntegerListsAndNpyTypes) {
  const std::vector<std::vector<uint8_t>> rows = {{0, 127, 128, 255}, {1, 2, 3, 4}};
  EXPECT_EQ(WriteQuantized(OutputFormat::kJsonl, Precision::kInt8, rows),
            "{\"embedding\": [0, 127, -128, -1], \"tokens\": 5, \"truncated\": false}\n"
            "{\"embedding\": [1, 2, 3, 4], \"tokens\": 5, \"truncated\": false}\n");
  EXPECT_EQ(WriteQuantized(OutputFormat::kJsonl, Precision::kUbinary, {rows[0]}),
            "{\"embedding\": [0, 127, 128, 255], \"tokens\": 5, \"truncated\": false}\n");
  EXPECT_EQ(nlohmann::json::parse(WriteQuantized(OutputFormat::kJson, Precision::kBinary, rows))[0]["embedding"],
            nlohmann::json({0, 127, -128, -1}));
  const auto [header, data] = NpyParts(WriteQuantized(OutputFormat::kNpy, Precision::kInt8, rows));
  EXPECT_NE(header.find("'descr': '|i1'"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (2, 4)"), std::string::npos) << header;
  EXPECT_EQ(data, std::string("\x00\x7f\x80\xff\x01\x02\x03\x04", 8));
  const auto [uheader, udata] = NpyParts(WriteQuantized(OutputFormat::kNpy, Precision::kUint8, rows));
  EXPECT_NE(uheader.find("'descr': '|u1'"), std::string::npos) << uheader;
  EXPECT_EQ(udata.size(), 8u);
  EXPECT_THROW(EmbeddingWriter(stdout, OutputFormat::kF32, Precision::kInt8), Error);
}

TEST(NpyReader, ReadsFloat32AndFloat64AndRejectsTheRest) {
  const fs::path dir = FreshTempDir();
  auto write_npy = [&](const std::string& name, const std::string& header, const std::string& data) {
    std::string h = header;
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::ofstream f(dir / name, std::ios::binary);
    f << std::string("\x93NUMPY\x01\x00", 8) << char(h.size() & 0xff) << char(h.size() >> 8) << h << data;
    return (dir / name).string();
  };
  const float f32[] = {1.5f, -2.0f, 0.25f, 4.0f, 5.0f, 6.0f};
  const std::string a = write_npy("a.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
                                  std::string(reinterpret_cast<const char*>(f32), sizeof f32));
  FloatMatrix m = ReadNpyFloatMatrix(a);
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.cols, 2u);
  EXPECT_EQ(m.data, std::vector<float>(f32, f32 + 6));
  const double f64[] = {0.5, -1.25};
  m = ReadNpyFloatMatrix(write_npy("b.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                                   std::string(reinterpret_cast<const char*>(f64), sizeof f64)));
  EXPECT_EQ(m.data, (std::vector<float>{0.5f, -1.25f}));

  auto expect_error = [](const std::string& path, const std::string& msg) {
    try {
      ReadNpyFloatMatrix(path);
      FAIL() << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(msg), std::string::npos) << e.what();
    }
  };
  expect_error((dir / "missing.npy").string(), "cannot open");
  std::ofstream(dir / "text.npy") << "hello, not numpy";
  expect_error((dir / "text.npy").string(), "not a NumPy .npy file");
  expect_error(write_npy("i8.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", std::string(8, '\0')),
               "dtype '<i8' (expected float32");
  expect_error(write_npy("1d.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", std::string(8, '\0')),
               "shape (2,) (expected 2-D");
  expect_error(write_npy("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", std::string(12, '\0')),
               "holds 12 data bytes; shape (2, 2) needs 16");
  expect_error(write_npy("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", std::string(4, '\0')),
               "Fortran-ordered");
  fs::remove_all(dir);
}

TEST(GembedPrecision, DefaultOutputIsUnchanged) {
  const fs::path dir = FreshTempDir();
  const std::string m = "embed --model " + ModelDir("tiny-text") + " --input -";
  const std::string in = CaseLines(0, 4);
  for (const char* format : {"jsonl", "npy", "f32"}) {
    const RunResult plain = Gembed(dir, m + " --format " + format, in);
    const RunResult f32 = Gembed(dir, m + " --precision float32 --format " + format, in);
    ASSERT_EQ(plain.status, 0) << plain.err;
    ASSERT_EQ(f32.status, 0) << f32.err;
    EXPECT_EQ(plain.out, f32.out) << format;
    EXPECT_FALSE(plain.out.empty());
  }
  fs::remove_all(dir);
}

// Every quantised precision equals QuantizeEmbeddings over the float run, in jsonl and npy.
TEST(GembedPrecision, QuantisedOutputEqualsQuantizeEmbeddings) {
  const fs::path dir = FreshTempDir();
  const std::string m = "embed --model " + ModelDir("tiny-text") + " --input -";
  const std::string in = CaseLines(0, 12);
  const RunResult floats = Gembed(dir, m, in);
  ASSERT_EQ(floats.status, 0) << floats.err;
  size_t rows = 0, dim = 0;
  const std::vector<float> emb = FloatRows(floats.out, &rows, &dim);
  ASSERT_EQ(rows, 12u);
  ASSERT_EQ(dim, 32u);
  const auto float_lines = Lines(floats.out);

  for (const char* name : {"int8", "uint8", "binary", "ubinary"}) {
    SCOPED_TRACE(name);
    const Precision p = ParsePrecision(name);
    const std::vector<uint8_t> want = QuantizeEmbeddings(emb.data(), rows, dim, p);
    const size_t width = QuantizedRowBytes(dim, p);
    const bool is_signed = p == Precision::kInt8 || p == Precision::kBinary;

    const RunResult jsonl = Gembed(dir, m + " --precision " + name, in);
    ASSERT_EQ(jsonl.status, 0) << jsonl.err;
    const auto lines = Lines(jsonl.out);
    ASSERT_EQ(lines.size(), rows);
    for (size_t i = 0; i < rows; ++i) {
      ASSERT_EQ(lines[i]["embedding"].size(), width);
      for (size_t j = 0; j < width; ++j) {
        const int w = is_signed ? int(static_cast<int8_t>(want[i * width + j])) : int(want[i * width + j]);
        EXPECT_EQ(lines[i]["embedding"][j].get<int>(), w) << i << "," << j;
      }
      EXPECT_EQ(lines[i]["tokens"], float_lines[i]["tokens"]);
      EXPECT_EQ(lines[i]["truncated"], float_lines[i]["truncated"]);
    }

    const RunResult npy = Gembed(dir, m + " --format npy --precision " + name, in);
    ASSERT_EQ(npy.status, 0) << npy.err;
    const auto [header, data] = NpyParts(npy.out);
    EXPECT_NE(header.find(is_signed ? "'|i1'" : "'|u1'"), std::string::npos) << header;
    EXPECT_NE(header.find("'shape': (12, " + std::to_string(width) + ")"), std::string::npos) << header;
    EXPECT_EQ(data, std::string(want.begin(), want.end()));
  }
  // int8 ranges come from the whole run, so each dimension's smallest value maps to -128.
  const auto q = Lines(Gembed(dir, m + " --precision int8", in).out);
  for (size_t j = 0; j < dim; ++j) {
    int lowest = 127;
    for (const auto& l : q) lowest = std::min(lowest, l["embedding"][j].get<int>());
    EXPECT_EQ(lowest, -128) << j;
  }
  fs::remove_all(dir);
}

TEST(GembedPrecision, CalibrationFileSetsTheRanges) {
  const fs::path dir = FreshTempDir();
  const std::string m = "embed --model " + ModelDir("tiny-text");
  // Calibrate on the first 12 cases, quantise 4 others (streamed, with those ranges).
  const RunResult cal = Gembed(dir, m + " --input - --format npy -o " + (dir / "cal.npy").string(), CaseLines(0, 12));
  ASSERT_EQ(cal.status, 0) << cal.err;
  const FloatMatrix calibration = ReadNpyFloatMatrix((dir / "cal.npy").string());
  ASSERT_EQ(calibration.rows, 12u);
  const QuantizationRanges ranges = RangesFrom(calibration.data.data(), calibration.rows, calibration.cols);

  const std::string in = CaseLines(12, 4);
  const RunResult floats = Gembed(dir, m + " --input -", in);
  ASSERT_EQ(floats.status, 0) << floats.err;
  size_t rows = 0, dim = 0;
  const std::vector<float> emb = FloatRows(floats.out, &rows, &dim);
  ASSERT_EQ(rows, 4u);
  const std::vector<uint8_t> want = QuantizeEmbeddings(emb.data(), rows, dim, Precision::kUint8, &ranges);
  const std::vector<uint8_t> self_ranged = QuantizeEmbeddings(emb.data(), rows, dim, Precision::kUint8);
  ASSERT_NE(want, self_ranged);  // the calibration must make a difference for this test to mean anything

  const RunResult q = Gembed(dir, m + " --input - --format npy --precision uint8 --calibration " + (dir / "cal.npy").string(), in);
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_EQ(NpyParts(q.out).second, std::string(want.begin(), want.end()));
  fs::remove_all(dir);
}

TEST(GembedPrecision, BadCombinationsGiveClearErrors) {
  const fs::path dir = FreshTempDir();
  const std::string m = "embed --model " + ModelDir("tiny-text");
  RunResult r = Gembed(dir, m + " --precision int4 hello");
  EXPECT_EQ(r.status, 2);  // usage error from the option check
  EXPECT_NE(r.err.find("int4"), std::string::npos) << r.err;
  r = Gembed(dir, m + " --precision int8 --format f32 hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--format f32 writes float32; --precision int8 needs --format jsonl, json or npy"), std::string::npos) << r.err;
  r = Gembed(dir, m + " --precision binary --calibration x.npy hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--calibration sets int8/uint8 ranges; it does nothing for --precision binary"), std::string::npos) << r.err;
  r = Gembed(dir, m + " --precision int8 --calibration " + (dir / "missing.npy").string() + " hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot open " + (dir / "missing.npy").string()), std::string::npos) << r.err;
  // Calibration embeddings of another dimension than the run's.
  r = Gembed(dir, m + " --format npy -o " + (dir / "cal.npy").string() + " one two");
  ASSERT_EQ(r.status, 0) << r.err;
  r = Gembed(dir, m + " --dim 16 --precision int8 --calibration " + (dir / "cal.npy").string() + " hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("holds 32-dimensional embeddings, but this run's have 16: calibrate with the same --dim"), std::string::npos)
      << r.err;
  std::ofstream(dir / "text.npy") << "{\"embedding\": [0.5]}\n";
  r = Gembed(dir, m + " --precision int8 --calibration " + (dir / "text.npy").string() + " hello");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not a NumPy .npy file"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gembed::cli
