// `gembed init-random` and `gembed bench`: the real binary run end to end on tiny random
// folders it writes itself, plus the pieces (synthetic tokenizer, order statistics).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "cli/bench_stats.h"
#include "cli/random_model.h"
#include "fixtures.h"
#include "tokenizer/tokenizer.h"

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using namespace gembed::testing;

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

// A temp folder for the test, removed at the end; Run() keeps its captured output there too.
class BinaryTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshTempDir(); }
  void TearDown() override { fs::remove_all(dir_); }

  struct Result {
    int status;
    std::string out, err;
  };
  // Runs `env ENV gembed ARGS`; returns the exit status (-1 when killed) and the output.
  Result Run(const std::string& args, const std::string& env = "") {
    const fs::path out = dir_ / ("out" + std::to_string(runs_)), err = dir_ / ("err" + std::to_string(runs_));
    ++runs_;
    const std::string cmd = "env " + env + " " + std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed " + args + " </dev/null >" +
                            out.string() + " 2>" + err.string();
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(out), Slurp(err)};
  }
  // init-random --preset tiny into dir_/name; fails the test if it does not succeed.
  std::string Tiny(const std::string& name, const std::string& flags = "") {
    const std::string path = (dir_ / name).string();
    const Result r = Run("init-random --preset tiny " + flags + " " + path);
    EXPECT_EQ(r.status, 0) << r.err;
    return path;
  }

  fs::path dir_;
  int runs_ = 0;
};

std::vector<nlohmann::json> JsonLines(const std::string& s) {
  std::vector<nlohmann::json> v;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) v.push_back(nlohmann::json::parse(line));  // throws (fails the test) on invalid JSON
  return v;
}

using InitRandom = BinaryTest;

TEST_F(InitRandom, TinyFolderLoadsAndEmbedsDeterministically) {
  const std::string a = Tiny("a", "--seed 7"), b = Tiny("b", "--seed 7"), c = Tiny("c", "--seed 8");
  // Same seed, same bytes; another seed, other weights (the tokenizer does not depend on it).
  EXPECT_EQ(Slurp(a + "/model.safetensors"), Slurp(b + "/model.safetensors"));
  EXPECT_EQ(Slurp(a + "/2_Dense/model.safetensors"), Slurp(b + "/2_Dense/model.safetensors"));
  EXPECT_NE(Slurp(a + "/model.safetensors"), Slurp(c + "/model.safetensors"));
  EXPECT_NE(Slurp(a + "/3_Dense/model.safetensors"), Slurp(c + "/3_Dense/model.safetensors"));
  EXPECT_EQ(Slurp(a + "/tokenizer.json"), Slurp(c + "/tokenizer.json"));

  Result r = Run("info --json --model " + a);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["hidden_size"], 32);
  EXPECT_EQ(info["layer_types"], "sssssF");
  EXPECT_EQ(info["vocab_size"], 262144);
  EXPECT_EQ(info["window_radius"], 8);
  EXPECT_EQ(info["weights_dtype"], "BF16");
  EXPECT_EQ(info["dense"], nlohmann::json({"32→128 BF16", "128→32 BF16"}));
  EXPECT_EQ(info["normalize"], true);
  EXPECT_EQ(info["tokenizer"], true);
  EXPECT_EQ(info["prompts"]["query"], "task: search result | query: ");
  EXPECT_EQ(info["prompts"].size(), 14u);

  const std::string texts = " --prompt query \"hello world\" \"Ünïcode and digits 123\"";
  const Result ea = Run("embed --model " + a + texts), eb = Run("embed --model " + b + texts), ec = Run("embed --model " + c + texts);
  ASSERT_EQ(ea.status, 0) << ea.err;
  ASSERT_EQ(eb.status, 0) << eb.err;
  ASSERT_EQ(ec.status, 0) << ec.err;
  EXPECT_EQ(ea.out, eb.out);
  const auto la = JsonLines(ea.out), lc = JsonLines(ec.out);
  ASSERT_EQ(la.size(), 2u);
  ASSERT_EQ(lc.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const std::vector<float> ya = Floats(la[i]["embedding"]), yc = Floats(lc[i]["embedding"]);
    ASSERT_EQ(ya.size(), 32u);
    double norm = 0;
    for (float v : ya) norm += double(v) * v;
    EXPECT_NEAR(norm, 1.0, 1e-5);
    EXPECT_LT(Cosine(ya, yc), 0.99);  // other weights, another embedding
    EXPECT_EQ(la[i]["tokens"], lc[i]["tokens"]);
  }
  EXPECT_GT(la[0]["tokens"].get<int>(), 4);  // <bos>, prompt and text pieces, <eos>
}

TEST_F(InitRandom, F32WithACopiedTokenizer) {
  const std::string tok = SharedDir() + "/fixtures/tokenizer/gemma3/tokenizer.json";
  const std::string m = Tiny("m", "--dtype f32 --tokenizer " + tok);
  EXPECT_EQ(fs::file_size(m + "/tokenizer.json"), fs::file_size(tok));
  Result r = Run("info --json --model " + m);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["weights_dtype"], "F32");
  r = Run("tokenize --no-special --model " + m + " \"Hello, my dog is cute\"");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["ids"], nlohmann::json({9259, 236764, 1041, 4799, 563, 12864}));
  // EmbeddingGemma's tokenizer_config.json (add_eos_token) makes the model see <bos> … <eos>.
  r = Run("embed --model " + m + " --dim 16 \"Hello, my dog is cute\"");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(JsonLines(r.out)[0]["embedding"].size(), 16u);
  EXPECT_EQ(JsonLines(r.out)[0]["tokens"], 8);
  const auto config = nlohmann::json::parse(Slurp(m + "/tokenizer_config.json"));
  EXPECT_EQ(config["add_eos_token"], true);
  EXPECT_EQ(config["tokenizer_class"], "GemmaTokenizer");
}

TEST_F(InitRandom, RefusesAnExistingFolderAndLeavesNoHalfFolder) {
  const fs::path target = dir_ / "model";
  fs::create_directories(target);
  std::ofstream(target / "precious.txt") << "keep me";
  Result r = Run("init-random --preset tiny " + target.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("exists and is not empty (--force replaces it)"), std::string::npos) << r.err;
  EXPECT_EQ(Slurp(target / "precious.txt"), "keep me");
  EXPECT_FALSE(fs::exists(target / "modules.json"));

  // A failure half way (an invalid tokenizer, found after the weights are written) leaves
  // the old folder as it was and no temporary folder behind.
  std::ofstream(dir_ / "bad_tokenizer.json") << "{\"model\": {\"type\": \"Unigram\"}}";
  r = Run("init-random --preset tiny --force --tokenizer " + (dir_ / "bad_tokenizer.json").string() + " " + target.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unsupported model type"), std::string::npos) << r.err;
  EXPECT_EQ(Slurp(target / "precious.txt"), "keep me");
  r = Run("init-random --preset tiny --tokenizer /nonexistent/tokenizer.json " + (dir_ / "never").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("tokenizer file /nonexistent/tokenizer.json does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "never"));

  r = Run("init-random --preset tiny --force " + target.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(target / "precious.txt"));
  EXPECT_TRUE(fs::exists(target / "modules.json"));
  EXPECT_NE(r.out.find("model.safetensors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total"), std::string::npos) << r.out;
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".model."), std::string::npos) << "left behind: " << e.path();
  }
  // An existing empty folder is fine; a file is not a folder; bad flags are usage errors.
  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(Run("init-random --preset tiny " + (dir_ / "empty").string()).status, 0);
  EXPECT_TRUE(fs::exists(dir_ / "empty" / "config.json"));
  r = Run("init-random --preset tiny " + (dir_ / "bad_tokenizer.json").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("exists and is not a folder"), std::string::npos) << r.err;
  EXPECT_EQ(Run("init-random --preset huge " + (dir_ / "x").string()).status, 2);
  EXPECT_EQ(Run("init-random --dtype f16 " + (dir_ / "x").string()).status, 2);
  EXPECT_EQ(Run("init-random").status, 2);
}

TEST(SyntheticTokenizer, LoadsEncodesAndDecodes) {
  const fs::path dir = FreshTempDir();
  std::ofstream(dir / "tokenizer.json") << SyntheticTokenizerJson(262144);
  const auto tok = Tokenizer::FromFile((dir / "tokenizer.json").string());
  fs::remove_all(dir);
  EXPECT_EQ(tok->vocab_size(), 262144);
  EXPECT_EQ(tok->TokenToId("<pad>"), 0);
  EXPECT_EQ(tok->TokenToId("<eos>"), 1);
  EXPECT_EQ(tok->TokenToId("<bos>"), 2);
  EXPECT_EQ(tok->TokenToId("<unk>"), 3);
  EXPECT_TRUE(tok->IsSpecial(2));
  EXPECT_EQ(tok->TokenToId("<0x00>"), 4);
  EXPECT_EQ(tok->TokenToId("<0xFF>"), 259);
  EXPECT_EQ(tok->prefix_ids(), std::vector<int32_t>{2});
  EXPECT_EQ(tok->suffix_ids(), std::vector<int32_t>{1});
  // Lowercase words merge into multi-letter pieces; anything else falls back to bytes.
  const std::string text = "hello world, Ünïcode <bos> 123";
  const std::vector<int32_t> ids = tok->Encode(text);
  EXPECT_LT(ids.size(), text.size() - 10);
  EXPECT_EQ(tok->Decode(ids), text);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 2), 1);  // the literal "<bos>" is the special token
  EXPECT_EQ(tok->Encode("\xC3\xA9"), (std::vector<int32_t>{4 + 0xC3, 4 + 0xA9}));
  EXPECT_EQ(tok->Encode("hello").size(), 3u);  // h el lo: merges by rank, bigrams first
  EXPECT_EQ(tok->Piece(tok->Encode(" the")[0]), "\xE2\x96\x81t");  // ▁t he
  // Smaller vocabularies are filled exactly; tiny ones are refused.
  const fs::path dir2 = FreshTempDir();
  std::ofstream(dir2 / "tokenizer.json") << SyntheticTokenizerJson(5000);
  EXPECT_EQ(Tokenizer::FromFile((dir2 / "tokenizer.json").string())->vocab_size(), 5000);
  fs::remove_all(dir2);
  EXPECT_THROW(SyntheticTokenizerJson(300), Error);
}

TEST(BenchStats, MedianPercentileAndIds) {
  EXPECT_EQ(bench::Median({3, 1, 2}), 2);
  EXPECT_EQ(bench::Median({4, 1, 3, 2}), 2.5);
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  EXPECT_EQ(bench::Percentile(v, 99), 99);
  EXPECT_EQ(bench::Percentile(v, 50), 50);
  v.resize(50);  // 100 … 51
  EXPECT_EQ(bench::Percentile(v, 99), 100);  // nearest rank: the maximum of 50
  EXPECT_EQ(bench::Percentile({7}, 99), 7);
  EXPECT_THROW(bench::Median({}), std::invalid_argument);
  const std::vector<int32_t> ids = bench::RandomIds(128, 262144, 3);
  ASSERT_EQ(ids.size(), 128u);
  EXPECT_EQ(ids.front(), 2);
  EXPECT_EQ(ids.back(), 1);
  for (size_t i = 1; i + 1 < ids.size(); ++i) {
    EXPECT_GE(ids[i], 4);
    EXPECT_LT(ids[i], 262144);
  }
  EXPECT_EQ(ids, bench::RandomIds(128, 262144, 3));
  EXPECT_NE(ids, bench::RandomIds(128, 262144, 4));
}

using Bench = BinaryTest;

TEST_F(Bench, QuickOnTinyPrintsEveryPart) {
  const std::string m = Tiny("m");
  Result r = Run("bench --quick --threads 1 --model " + m);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("gembed bench: model " + m), std::string::npos) << r.out;
  // The row: weights, load ms, batch tok/s, query p50, query p99, doc ms, doc tok/s, peak MB,
  // cosine with the first type's embedding (itself here: 1).
  const size_t row = r.out.find("\nauto ");
  ASSERT_NE(row, std::string::npos) << r.out;
  std::istringstream cells(r.out.substr(row + 1));
  std::string name;
  cells >> name;
  for (int i = 0; i < 8; ++i) {
    double v = -1;
    cells >> v;
    EXPECT_TRUE(cells && v > 0) << "column " << i + 1 << " of " << r.out;
  }

  r = Run("bench --quick --json --threads 1 --weights auto,bf16 --model " + m);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (size_t i = 0; i < 2; ++i) {
    const auto& j = lines[i];
    SCOPED_TRACE(j.dump());
    EXPECT_EQ(j["weights"], i == 0 ? "auto" : "bf16");
    EXPECT_EQ(j["model"], m);
    EXPECT_FALSE(j.contains("error"));
    EXPECT_EQ(j["threads"], 1);
    EXPECT_EQ(j["stored_dtype"], "BF16");
    EXPECT_GT(j["load_ms"].get<double>(), 0);
    EXPECT_EQ(j["batch"]["texts"], 8);
    EXPECT_EQ(j["batch"]["tokens_per_text"], 32);
    EXPECT_GT(j["batch"]["tokens_per_s"].get<double>(), 0);
    // tokens/s is the batch's tokens over the median time of its one Embed call
    EXPECT_NEAR(j["batch"]["tokens_per_s"].get<double>(), 8 * 32 / (j["batch"]["median_ms"].get<double>() / 1000),
                0.01 * j["batch"]["tokens_per_s"].get<double>() + 0.1);
    EXPECT_EQ(j["query"]["tokens"], 16);
    EXPECT_EQ(j["query"]["runs"], 10);
    EXPECT_GT(j["query"]["median_ms"].get<double>(), 0);
    EXPECT_GE(j["query"]["p99_ms"].get<double>(), j["query"]["median_ms"].get<double>());
    EXPECT_LE(j["query"]["min_ms"].get<double>(), j["query"]["median_ms"].get<double>());
    EXPECT_EQ(j["doc"]["tokens"], 256);
    EXPECT_GT(j["doc"]["tokens_per_s"].get<double>(), 0);
    EXPECT_EQ(j["finite"], true);
    EXPECT_GE(j["peak_rss_mb"].get<double>(), j["rss_after_load_mb"].get<double>());
    EXPECT_GT(j["rss_after_load_mb"].get<double>(), 10);  // the tiny model's 17 MB of weights are mapped
    EXPECT_EQ(j["cosine"]["vs"], "auto");
    EXPECT_FALSE(j.contains("probe"));  // the parent's private input
  }
  EXPECT_EQ(lines[0]["cosine"]["value"], 1.0);
  EXPECT_GT(lines[1]["cosine"]["value"].get<double>(), 0.999);  // bf16 as stored: the same computation

  r = Run("bench --quick --json --only query --runs 2 --model " + m);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto only = JsonLines(r.out);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_TRUE(only[0].contains("query"));
  EXPECT_FALSE(only[0].contains("batch"));
  EXPECT_FALSE(only[0].contains("doc"));
}

TEST_F(Bench, BadWeightTypesAndModelsAreClearErrors) {
  const std::string m = Tiny("m");
  Result r = Run("bench --quick --weights auto,q3_k --model " + m);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown weight type 'q3_k' (allowed: auto, f32, bf16, q8_0, q4_0, mixed)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // nothing was run
  r = Run("bench --quick --weights auto,auto --model " + m);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("listed twice"), std::string::npos) << r.err;
  r = Run("bench --quick --only batch,latency --model " + m);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown part 'latency'"), std::string::npos) << r.err;
  r = Run("bench --quick --model /nonexistent/model");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("model /nonexistent/model does not exist"), std::string::npos) << r.err;

  // A weight type that fails to load is an error line, and the next type still runs.
  const fs::path broken = dir_ / "broken";
  fs::create_directories(broken);
  for (const auto& e : fs::directory_iterator(m)) fs::create_symlink(e.path(), broken / e.path().filename());
  fs::remove(broken / "model.safetensors");
  std::ofstream(broken / "model.safetensors") << "not a safetensors file";
  r = Run("bench --quick --weights auto,f32 --model " + broken.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("auto     error: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("f32      error: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model.safetensors"), std::string::npos) << r.out;
  r = Run("bench --quick --json --weights auto,bf16 --model " + broken.string());
  EXPECT_EQ(r.status, 1);
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["weights"], "bf16");
  EXPECT_TRUE(lines[1]["error"].is_string());
}

TEST_F(Bench, DefaultModelComesFromTheCache) {
  // With no --model or GEMBED_MODEL, bench uses $XDG_CACHE_HOME/gembed/full-random; a
  // folder already there is used as is (a tiny one here, so the test stays fast).
  const fs::path cache = dir_ / "cache";
  Tiny("cache/gembed/full-random");
  const Result r = Run("bench --quick --json --only query", "-u GEMBED_MODEL XDG_CACHE_HOME=" + cache.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(JsonLines(r.out).at(0)["model"], (cache / "gembed" / "full-random").string());
  const Result env = Run("bench --quick --json --only query", "GEMBED_MODEL=" + (cache / "gembed" / "full-random").string());
  ASSERT_EQ(env.status, 0) << env.err;
}

}  // namespace
}  // namespace gembed::cli
