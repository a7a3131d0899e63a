// The `gembed` command-line contract: unit tests of input parsing and output formats, and
// the real binary run end to end on the tiny-text fixture.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "cli/input_reader.h"
#include "cli/output_writer.h"
#include "fixtures.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

TEST(InputLine, ParsesEveryField) {
  const EmbedInput a = ParseInputLine(R"({"text":"hi","title":"T","prompt_name":"query","prompt":"p: "})", "x");
  EXPECT_EQ(a.text, "hi");
  EXPECT_EQ(a.title, "T");
  EXPECT_EQ(a.prompt_name, "query");
  EXPECT_EQ(a.prompt, "p: ");
  const EmbedInput b = ParseInputLine(R"({"ids":[2,5,1]})", "x");
  EXPECT_EQ(b.ids, (std::vector<int32_t>{2, 5, 1}));
}

TEST(InputLine, ErrorsNameTheLine) {
  auto expect = [](const std::string& line, const std::string& msg) {
    try {
      ParseInputLine(line, "f.jsonl line 3");
      FAIL() << line;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(msg, 0), 0u) << e.what();
    }
  };
  expect("{not json", "f.jsonl line 3: not valid JSON");
  expect("[1,2]", "f.jsonl line 3: expected a JSON object");
  expect(R"({"txt":"x"})", "f.jsonl line 3: needs \"text\" (a string) or \"ids\" (an array)");
  expect(R"({"text":5})", "f.jsonl line 3: \"text\" must be a string");
  expect(R"({"ids":[1,-2]})", "f.jsonl line 3: \"ids\" holds -2, not a token id");
  expect(R"({"text":"x","title":[]})", "f.jsonl line 3: \"title\" must be a string");
}

TEST(OutputWriter, FloatsRoundTripShortest) {
  std::string s;
  AppendFloat(&s, 0.1f);
  EXPECT_EQ(s, "0.1");
  s.clear();
  AppendFloat(&s, -1.17549435e-38f);
  EXPECT_EQ(std::stof(s), -1.17549435e-38f);
  s.clear();
  AppendJsonString(&s, "a\"b\\\n\x01");
  EXPECT_EQ(s, "\"a\\\"b\\\\\\n\\u0001\"");
}

std::string WriteAll(OutputFormat f, const std::vector<EmbedResult>& rs) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  EmbeddingWriter w(mem, f);
  for (const auto& r : rs) w.Write(r);
  w.Finish();
  std::fclose(mem);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

TEST(OutputWriter, AllFormats) {
  const std::vector<EmbedResult> rs = {{{0.5f, -0.25f}, 4, 4, false}, {{1.0f, 0.0f}, 2048, 3000, true}};
  EXPECT_EQ(WriteAll(OutputFormat::kJsonl, rs),
            "{\"embedding\": [0.5, -0.25], \"tokens\": 4, \"truncated\": false}\n"
            "{\"embedding\": [1, 0], \"tokens\": 2048, \"truncated\": true}\n");
  const auto j = nlohmann::json::parse(WriteAll(OutputFormat::kJson, rs));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["tokens"], 2048);
  EXPECT_EQ(WriteAll(OutputFormat::kJson, {}), "[]\n");
  const std::string f32 = WriteAll(OutputFormat::kF32, rs);
  ASSERT_EQ(f32.size(), 16u);
  float v[4];
  std::memcpy(v, f32.data(), 16);
  EXPECT_EQ(v[1], -0.25f);
  const std::string npy = WriteAll(OutputFormat::kNpy, rs);
  EXPECT_EQ(npy.substr(0, 6), "\x93NUMPY");
  const size_t hlen = static_cast<unsigned char>(npy[8]) | (static_cast<unsigned char>(npy[9]) << 8);
  EXPECT_EQ((10 + hlen) % 64, 0u);
  EXPECT_NE(npy.find("'shape': (2, 2)"), std::string::npos);
  EXPECT_EQ(npy.size(), 10 + hlen + 16);
  EXPECT_THROW(ParseOutputFormat("csv"), Error);
}

// Runs the real binary; returns its exit status, with stdout and stderr captured.
struct RunResult {
  int status;
  std::string out, err;
};
RunResult Gembed(const std::string& args, const std::string& stdin_text = "", const std::string& env = "") {
  const fs::path dir = FreshTempDir();
  std::ofstream(dir / "in") << stdin_text;
  const std::string cmd = env + " " + std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed " + args + " <" + (dir / "in").string() +
                          " >" + (dir / "out").string() + " 2>" + (dir / "err").string();
  const int rc = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  };
  RunResult r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out"), slurp(dir / "err")};
  fs::remove_all(dir);
  return r;
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

// The contract of the issue: JSONL in (text, title, prompt_name, prompt) → JSONL out.
TEST(GembedBinary, EmbedReproducesTinyTextCases) {
  const nlohmann::json exp = LoadExpected("tiny-text");
  std::string cases;
  for (const auto& c : exp["cases"]) {
    nlohmann::json line = {{"text", c["text"]}};
    if (!c["title"].is_null()) line["title"] = c["title"];
    else if (!c["prompt_name"].is_null()) line["prompt_name"] = c["prompt_name"];
    else line["prompt"] = c["prompt"];
    cases += line.dump() + "\n";
  }
  const RunResult r = Gembed("embed --model " + ModelDir("tiny-text") + " --input -", cases);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto out = Lines(r.out);
  ASSERT_EQ(out.size(), exp["cases"].size());
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& c = exp["cases"][i];
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_LE(MaxAbsDiff(Floats(out[i]["embedding"]), Floats(c["embedding"])), kEmbeddingTol);
    EXPECT_EQ(out[i]["tokens"], c["length"]);
    EXPECT_EQ(out[i]["truncated"], c["truncated"]);
  }
}

TEST(GembedBinary, EmbedFlagsAndEnvModel) {
  const nlohmann::json exp = LoadExpected("tiny-text");
  const auto& q = exp["cases"][0];  // query_basic
  const RunResult r = Gembed("embed --model " + ModelDir("tiny-text") + " --prompt query --dim 8 --threads 1 --format json \"" +
                       q["text"].get<std::string>() + "\"");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_LE(MaxAbsDiff(Floats(j[0]["embedding"]), Floats(q["matryoshka"]["8"])), kEmbeddingTol);

  const RunResult env = Gembed("embed --format npy hello world", "", "env -u GEMBED_MODEL");
  EXPECT_EQ(env.status, 1);
  EXPECT_NE(env.err.find("no model: pass --model DIR or set GEMBED_MODEL"), std::string::npos) << env.err;
  const RunResult npy = Gembed("embed --format npy hello world", "", "GEMBED_MODEL=" + ModelDir("tiny-text"));
  ASSERT_EQ(npy.status, 0) << npy.err;
  EXPECT_NE(npy.out.find("'shape': (2, 32)"), std::string::npos);
}

// --no-normalize: the vector before the model's Normalize module; --dim truncates it as is.
TEST(GembedBinary, EmbedNoNormalize) {
  const std::string m = " --model " + ModelDir("tiny-text") + " --format json";
  const RunResult unit = Gembed("embed" + m + " hello");
  const RunResult raw = Gembed("embed" + m + " --no-normalize hello");
  const RunResult raw8 = Gembed("embed" + m + " --no-normalize --dim 8 hello");
  ASSERT_EQ(unit.status, 0) << unit.err;
  ASSERT_EQ(raw.status, 0) << raw.err;
  ASSERT_EQ(raw8.status, 0) << raw8.err;
  const std::vector<float> u = Floats(nlohmann::json::parse(unit.out)[0]["embedding"]);
  const std::vector<float> r = Floats(nlohmann::json::parse(raw.out)[0]["embedding"]);
  double norm = 0;
  for (float x : r) norm += double(x) * x;
  norm = std::sqrt(norm);
  EXPECT_GT(std::fabs(norm - 1.0), 1e-3) << norm;
  std::vector<float> scaled = r;
  for (float& x : scaled) x = static_cast<float>(x / norm);
  EXPECT_LE(MaxAbsDiff(scaled, u), 1e-6);
  EXPECT_EQ(Floats(nlohmann::json::parse(raw8.out)[0]["embedding"]), std::vector<float>(r.begin(), r.begin() + 8));
}

TEST(GembedBinary, EmbedIdsLine) {
  const nlohmann::json exp = LoadExpected("tiny-a");
  const auto& c = exp["cases"][3];
  const RunResult r = Gembed("embed --model " + ModelDir("tiny-a") + " --input -", nlohmann::json({{"ids", c["input_ids"]}}).dump() + "\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_LE(MaxAbsDiff(Floats(Lines(r.out)[0]["embedding"]), Floats(c["embedding"])), kEmbeddingTol);
}

TEST(GembedBinary, BadInputsGiveClearErrors) {
  const std::string m = " --model " + ModelDir("tiny-text");
  RunResult r = Gembed("embed" + m + " --input -", "{\"text\":\"ok\"}\n\n{\"text\": \"bad \\u00e9\", \"prompt_name\": \"nope\"}\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("gembed: error: stdin line 3: unknown prompt name 'nope'"), std::string::npos) << r.err;
  r = Gembed("embed" + m + " --input -", "{\"text\":\"ok\"}\nnot json\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("stdin line 2: not valid JSON"), std::string::npos) << r.err;
  r = Gembed("embed" + m + " --strict --input -", nlohmann::json({{"text", std::string(20000, 'x') + " y"}}).dump());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("stdin line 1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the model takes at most 2048 (strict mode"), std::string::npos) << r.err;
  r = Gembed("embed" + m + " ok \"$(printf 'bad \\377')\"");  // invalid UTF-8 in an argument
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("gembed: error: text argument 2: invalid UTF-8 in text at byte 4"), std::string::npos) << r.err;
  r = Gembed("embed --model /nonexistent/model x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("missing file /nonexistent/model/modules.json"), std::string::npos) << r.err;
  r = Gembed("embed" + m + " --dim 0 x");
  EXPECT_EQ(r.status, 2);  // usage error from the option check
  r = Gembed("embed" + m);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("nothing to embed"), std::string::npos);
  r = Gembed("embed" + m + " --input /nonexistent.jsonl");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot open input file /nonexistent.jsonl"), std::string::npos);
}

TEST(GembedBinary, TokenizeAndInfo) {
  RunResult r = Gembed("tokenize --model " + ModelDir("tiny-text") + " \"Hello, my dog is cute\"");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ids"], nlohmann::json({2, 9259, 236764, 1041, 4799, 563, 12864, 1}));
  EXPECT_EQ(j["pieces"][0], "<bos>");
  EXPECT_EQ(j["pieces"][1], "Hello");
  r = Gembed("tokenize --no-special --tokenizer " + SharedDir() + "/fixtures/tokenizer/gemma3/tokenizer.json --input -",
             "{\"text\": \"Hello, my dog is cute\"}\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["ids"], nlohmann::json({9259, 236764, 1041, 4799, 563, 12864}));

  r = Gembed("info --json --model " + ModelDir("tiny-b"));
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["layers"], 7);
  EXPECT_EQ(j["layer_types"], "sssssFs");
  EXPECT_EQ(j["window_radius"], 2);
  EXPECT_EQ(j["weights_dtype"], "BF16");
  EXPECT_EQ(j["prompts"]["query"], "task: search result | query: ");
  r = Gembed("info --model " + ModelDir("tiny-a"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("sliding window:   8 (tokens see |i-j| <= 4)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace gembed::cli
