// gembed bench: the engine's load time, batch throughput, query latency, long-document time
// and peak memory, for each weight type in its own child process (so each peak RSS is that
// type's own), on deterministic token-id inputs. Only the Embed calls are timed, after
// warm-up calls of the same shape.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/bench_stats.h"
#include "cli/commands.h"
#include "cli/random_model.h"
#include "embedder/embedder.h"
#include "hub/model_reference.h"

extern char** environ;

namespace gembed::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

struct Workload {
  int batch_texts, batch_tokens;  // one Embed call, batch_size = batch_texts
  int query_tokens, query_warmup, query_runs;
  int doc_tokens;
  int runs, warmup;  // timed and warm-up calls of the batch and document parts
};

Workload GetWorkload(const BenchArgs& a) {
  Workload w = a.quick ? Workload{8, 32, 16, 1, 10, 256, 1, 1} : Workload{64, 128, 16, 3, 50, 2048, 3, 1};
  if (a.runs > 0) w.runs = a.runs;
  return w;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(start, end - start);
    const size_t a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
    item = a == std::string::npos ? "" : item.substr(a, b - a + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::string CheckList(const std::string& list, const std::vector<std::string>& allowed, const char* what) {
  std::string names;
  for (const std::string& n : allowed) names += (names.empty() ? "" : ", ") + n;
  const std::vector<std::string> items = SplitList(list);
  if (items.empty()) return std::string("give at least one ") + what + " (" + names + ")";
  std::set<std::string> seen;
  for (const std::string& item : items) {
    if (std::find(allowed.begin(), allowed.end(), item) == allowed.end()) {
      return std::string("unknown ") + what + " '" + item + "' (allowed: " + names + ")";
    }
    if (!seen.insert(item).second) return std::string(what) + " '" + item + "' is listed twice";
  }
  return "";
}

const std::vector<std::string> kParts = {"batch", "query", "doc"};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A "VmHWM:"-style line of /proc/self/status in MB (10^6 bytes); -1 when absent.
double StatusMb(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::strtod(line.c_str() + key.size() + 1, nullptr) * 1024 / 1e6;
  }
  return -1;
}

std::string CpuName() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      const size_t start = line.find_first_not_of(" \t", line.find(':') + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "unknown";
}

double Round(double v, int digits) {
  const double s = std::pow(10.0, digits);
  return std::round(v * s) / s;
}

// --- The worker: one weight type, measured in this process; one JSON object on stdout.

void Measure(const BenchArgs& a, ordered_json& r) {
  const Workload w = GetWorkload(a);
  const std::vector<std::string> parts = SplitList(a.only);
  auto wants = [&](const char* p) { return std::find(parts.begin(), parts.end(), p) != parts.end(); };
  auto progress = [&](const std::string& msg) {
    std::fprintf(stderr, "gembed bench: %s: %s\n", a.worker.c_str(), msg.c_str());
    std::fflush(stderr);
  };

  const auto load_start = Clock::now();
  const auto model = Embedder::Load(a.model, {.threads = a.threads, .weights = a.worker, .activations = a.activations});
  const double load_ms = Ms(Clock::now() - load_start);
  const int vocab = model->model().config.vocab_size;
  const int max_tokens = model->max_seq_length();
  r["stored_dtype"] = model->model().weights_dtype;
  r["threads"] = model->num_threads();
  r["load_ms"] = Round(load_ms, 1);
  r["rss_after_load_mb"] = Round(StatusMb("VmRSS"), 1);
  progress("loaded in " + std::to_string(static_cast<long>(load_ms)) + " ms");

  bool finite = true;
  // Only the Embed call is inside the clock; the results are checked after it.
  auto timed = [&](const std::vector<EmbedInput>& in, const EmbedOptions& opt) {
    const auto start = Clock::now();
    const std::vector<EmbedResult> out = model->Embed(in, opt);
    const double ms = Ms(Clock::now() - start);
    if (out.size() != in.size()) throw Error("Embed returned " + std::to_string(out.size()) + " results for " + std::to_string(in.size()) + " inputs");
    for (const EmbedResult& e : out) {
      for (const float v : e.embedding) finite = finite && std::isfinite(v);
    }
    return ms;
  };
  auto inputs = [&](int count, int tokens, uint64_t stream) {
    std::vector<EmbedInput> in;
    for (int i = 0; i < count; ++i) in.push_back({.ids = bench::RandomIds(std::min(tokens, max_tokens), vocab, stream + i)});
    return in;
  };

  if (wants("batch")) {
    const std::vector<EmbedInput> in = inputs(w.batch_texts, w.batch_tokens, 1000);
    EmbedOptions opt;
    opt.batch_size = w.batch_texts;
    for (int i = 0; i < w.warmup; ++i) timed(in, opt);
    std::vector<double> ms;
    for (int i = 0; i < w.runs; ++i) {
      ms.push_back(timed(in, opt));
      progress("batch run " + std::to_string(i + 1) + "/" + std::to_string(w.runs) + ": " + std::to_string(static_cast<long>(ms.back())) + " ms");
    }
    const double median = bench::Median(ms);
    const int tokens = static_cast<int>(in[0].ids->size());
    r["batch"] = {{"texts", w.batch_texts},
                  {"tokens_per_text", tokens},
                  {"warmup", w.warmup},
                  {"runs", w.runs},
                  {"median_ms", Round(median, 2)},
                  {"min_ms", Round(*std::min_element(ms.begin(), ms.end()), 2)},
                  {"tokens_per_s", Round(w.batch_texts * tokens / (median / 1000), 1)}};
  }
  if (wants("query")) {
    const std::vector<EmbedInput> in = inputs(w.query_warmup + w.query_runs, w.query_tokens, 5000);
    std::vector<double> ms;
    for (int i = 0; i < w.query_warmup + w.query_runs; ++i) {
      const double t = timed({in[i]}, {});
      if (i >= w.query_warmup) ms.push_back(t);
    }
    const double median = bench::Median(ms);
    char line[64];
    std::snprintf(line, sizeof line, "query median %.2f ms", median);
    progress(line);
    r["query"] = {{"tokens", static_cast<int>(in[0].ids->size())},
                  {"warmup", w.query_warmup},
                  {"runs", w.query_runs},
                  {"median_ms", Round(median, 3)},
                  {"p99_ms", Round(bench::Percentile(ms, 99), 3)},
                  {"min_ms", Round(*std::min_element(ms.begin(), ms.end()), 3)}};
  }
  if (wants("doc")) {
    const std::vector<EmbedInput> in = inputs(1, w.doc_tokens, 9000);
    for (int i = 0; i < w.warmup; ++i) timed(in, {});
    std::vector<double> ms;
    for (int i = 0; i < w.runs; ++i) {
      ms.push_back(timed(in, {}));
      progress("doc run " + std::to_string(i + 1) + "/" + std::to_string(w.runs) + ": " + std::to_string(static_cast<long>(ms.back())) + " ms");
    }
    const double median = bench::Median(ms);
    const int tokens = static_cast<int>(in[0].ids->size());
    r["doc"] = {{"tokens", tokens},
                {"warmup", w.warmup},
                {"runs", w.runs},
                {"median_ms", Round(median, 2)},
                {"min_ms", Round(*std::min_element(ms.begin(), ms.end()), 2)},
                {"tokens_per_s", Round(tokens / (median / 1000), 1)}};
  }
  // Not timed: one fixed input's embedding, for the parent's cosine between weight types.
  const std::vector<EmbedResult> probe = model->Embed({{.ids = bench::RandomIds(std::min(64, max_tokens), vocab, 7777)}});
  r["probe"] = probe[0].embedding;
  r["finite"] = finite;
  r["peak_rss_mb"] = Round(StatusMb("VmHWM"), 1);
}

int RunWorker(const BenchArgs& a) {
  ordered_json r;
  r["weights"] = a.worker;
  r["activations"] = a.activations;
  try {
    Measure(a, r);
  } catch (const std::bad_alloc&) {
    r["error"] = "out of memory";
  } catch (const Error& e) {
    r["error"] = e.what();
  }
  std::printf("%s\n", r.dump().c_str());
  return 0;
}

// --- The parent: one child process per weight type.

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + (sig == SIGKILL ? "; out of memory?" : "") + ")";
  }
  return "status " + std::to_string(status);
}

ordered_json RunChild(const BenchArgs& a, const std::string& model_dir, const std::string& type) {
  std::vector<std::string> args = {"gembed", "bench", "--worker", type, "--model", model_dir,
                                   "--threads", std::to_string(a.threads), "--only", a.only,
                                   "--activations", a.activations};
  if (a.runs > 0) args.insert(args.end(), {"--runs", std::to_string(a.runs)});
  if (a.quick) args.push_back("--quick");
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  ordered_json fail;
  fail["weights"] = type;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid;
  std::fflush(stdout);
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw Error(std::string("cannot start the benchmark process: ") + std::strerror(rc));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fail["error"] = "the benchmark process failed: " + DescribeStatus(status) + " (its messages are above)";
    return fail;
  }
  try {
    ordered_json r = ordered_json::parse(out);
    if (r.is_object() && r.value("weights", "") == type) return r;
  } catch (const nlohmann::json::exception&) {
  }
  fail["error"] = "the benchmark process printed no result";
  return fail;
}

// --model, else $GEMBED_MODEL, else the full-size random model in the user's cache folder
// (created once, atomically, by init-random's code).
std::string BenchModel(const std::string& flag) {
  if (!flag.empty()) return hub::ResolveModelReference(flag);
  if (const char* env = std::getenv("GEMBED_MODEL"); env != nullptr && *env != '\0') return hub::ResolveModelReference(env);
  fs::path cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    cache = fs::path(home) / ".cache";
  } else {
    throw Error("no model: pass --model DIR, set GEMBED_MODEL, or set HOME or XDG_CACHE_HOME for the random model's cache");
  }
  const fs::path dir = cache / "gembed" / "full-random";
  if (fs::exists(dir / "modules.json")) return dir.string();  // complete: it is renamed into place only when written
  std::fprintf(stderr, "gembed bench: no --model or GEMBED_MODEL: writing a full-size random model to %s (once)\n", dir.c_str());
  try {
    const RandomModelReport rep = CreateRandomModel(dir.string(), RandomModelOptions{}, false);
    std::fprintf(stderr, "gembed bench: wrote %s in %.1f s\n", HumanBytes(rep.total_bytes).c_str(), rep.seconds);
  } catch (const Error&) {
    if (!fs::exists(dir / "modules.json")) throw;  // not a concurrent bench that finished first
  }
  return dir.string();
}

std::string Fixed(const ordered_json& j, const char* part, const char* key, int digits) {
  if (!j.contains(part) || !j[part].contains(key)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, j[part][key].get<double>());
  return buf;
}

std::string Count(int n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

void PrintHeader(const std::string& model_dir, const BenchArgs& a, const Workload& w) {
  const std::vector<std::string> parts = SplitList(a.only);
  auto wants = [&](const char* p) { return std::find(parts.begin(), parts.end(), p) != parts.end(); };
  const int threads = a.threads > 0 ? a.threads : static_cast<int>(std::thread::hardware_concurrency());
  std::printf("gembed bench: model %s\n", model_dir.c_str());
  std::printf("cpu: %s (%u hardware threads); %s\n", CpuName().c_str(), std::thread::hardware_concurrency(), Count(threads, "thread").c_str());
  if (wants("batch")) {
    std::printf("batch: %d texts x %d tokens in one Embed call, median of %s after %s\n", w.batch_texts, w.batch_tokens,
                Count(w.runs, "run").c_str(), Count(w.warmup, "warm-up").c_str());
  }
  if (wants("query")) {
    std::printf("query: one %d-token input per Embed call, %s after %s\n", w.query_tokens, Count(w.query_runs, "run").c_str(),
                Count(w.query_warmup, "warm-up").c_str());
  }
  if (wants("doc")) {
    std::printf("doc:   one %d-token input, median of %s after %s\n", w.doc_tokens, Count(w.runs, "run").c_str(),
                Count(w.warmup, "warm-up").c_str());
  }
  std::printf("\n%-8s %9s %12s %11s %11s %10s %10s %9s %9s\n", "weights", "load ms", "batch tok/s", "query p50", "query p99", "doc ms",
              "doc tok/s", "peak MB", "cosine");
  std::fflush(stdout);
}

// Cosine of the probe embeddings of two results.
double ProbeCosine(const ordered_json& a, const ordered_json& b) {
  const std::vector<float> x = a["probe"].get<std::vector<float>>(), y = b["probe"].get<std::vector<float>>();
  if (x.size() != y.size() || x.empty()) return NAN;
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < x.size(); ++i) xy += double(x[i]) * y[i], xx += double(x[i]) * x[i], yy += double(y[i]) * y[i];
  return xy / std::sqrt(xx * yy);
}

void PrintRow(const ordered_json& r) {
  const std::string type = r["weights"].get<std::string>();
  if (r.contains("error")) {
    std::printf("%-8s error: %s\n", type.c_str(), r["error"].get<std::string>().c_str());
  } else {
    char load[32], rss[32];
    std::snprintf(load, sizeof load, "%.0f", r["load_ms"].get<double>());
    std::snprintf(rss, sizeof rss, "%.0f", r["peak_rss_mb"].get<double>());
    char cosine[32] = "-";
    if (r.contains("cosine") && r["cosine"]["value"].is_number()) {
      std::snprintf(cosine, sizeof cosine, "%.6f", r["cosine"]["value"].get<double>());
    }
    std::printf("%-8s %9s %12s %11s %11s %10s %10s %9s %9s%s\n", type.c_str(), load, Fixed(r, "batch", "tokens_per_s", 1).c_str(),
                Fixed(r, "query", "median_ms", 2).c_str(), Fixed(r, "query", "p99_ms", 2).c_str(), Fixed(r, "doc", "median_ms", 0).c_str(),
                Fixed(r, "doc", "tokens_per_s", 1).c_str(), rss, cosine, r.value("finite", true) ? "" : "  (non-finite embeddings!)");
  }
  std::fflush(stdout);
}

}  // namespace

const std::vector<std::string>& BenchWeightTypes() {
  static const std::vector<std::string> types = {"auto", "f32", "bf16", "q8_0", "q4_0", "mixed"};
  return types;
}

std::string CheckBenchWeights(const std::string& list) { return CheckList(list, BenchWeightTypes(), "weight type"); }
std::string CheckBenchParts(const std::string& list) { return CheckList(list, kParts, "part"); }

int RunBench(const BenchArgs& args) {
  for (const std::string& msg : {CheckBenchWeights(args.weights), CheckBenchParts(args.only)}) {
    if (!msg.empty()) throw Error(msg);
  }
  if (!args.worker.empty()) {
    if (const std::string msg = CheckBenchWeights(args.worker); !msg.empty()) throw Error(msg);
    if (args.model.empty()) throw Error("bench --worker needs --model");
    return RunWorker(args);
  }
  const std::string model_dir = fs::absolute(BenchModel(args.model)).lexically_normal().string();
  if (!fs::exists(model_dir)) throw Error("model " + model_dir + " does not exist");  // anything else: each worker says
  if (!args.json) PrintHeader(model_dir, args, GetWorkload(args));
  bool all_ok = true;
  ordered_json reference;  // the first type measured: the others' embeddings are compared with its
  for (const std::string& type : SplitList(args.weights)) {
    ordered_json r = RunChild(args, model_dir, type);
    all_ok = all_ok && !r.contains("error");
    if (r.contains("probe")) {
      if (reference.is_null()) reference = r;
      const double c = ProbeCosine(r, reference);
      r["cosine"] = {{"vs", reference["weights"]}, {"value", std::isnan(c) ? ordered_json(nullptr) : ordered_json(Round(c, 7))}};
      r.erase("probe");
    }
    if (args.json) {
      ordered_json line;
      line["weights"] = r["weights"];
      line["model"] = model_dir;
      line["cpu"] = CpuName();
      for (auto it = r.begin(); it != r.end(); ++it) {
        if (it.key() != "weights") line[it.key()] = it.value();
      }
      std::printf("%s\n", line.dump().c_str());
      std::fflush(stdout);
    } else {
      PrintRow(r);
    }
  }
  return all_ok ? 0 : 1;
}

}  // namespace gembed::cli
