// `gembed serve` as a process, driven by Debian's curl: an OpenAI-style and a TEI request,
// the API key from the environment, usage errors, and SIGTERM while a request is in flight.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "embedder/embedder.h"
#include "fixtures.h"

extern char** environ;

namespace gembed {
namespace {

using nlohmann::json;

const std::string kGembed = std::string(GEMBED_BINARY_DIR) + "/src/cli/gembed";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs a shell command; returns its stdout.
std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// `gembed serve ARGS` with stderr in a log file; the port it printed once ready.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {})
      : dir_(testing::FreshTempDir()) {
    log_ = dir_ / "serve.log";
    std::vector<std::string> argv = {kGembed, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::vector<std::string> env_strings(extra_env);
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> cenv;
    for (auto& e : env_strings) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, 2);
      execve(cargv[0], cargv.data(), cenv.data());
      _exit(127);
    }
    close(fd);
    const std::string ready = "listening on http://127.0.0.1:";
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      const std::string log = ReadFile(log_);
      if (const size_t at = log.find(ready); at != std::string::npos) {
        port_ = std::atoi(log.c_str() + at + ready.size());
        break;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = status;
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadFile(log_); }
  const std::filesystem::path& dir() const { return dir_; }
  // Waits for the process to exit (up to `seconds`); its wait status, or -1.
  int Wait(int seconds) {
    if (pid_ <= 0) return exit_status_;
    for (int i = 0; i < seconds * 100; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return exit_status_ = status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  std::filesystem::path dir_, log_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_status_ = -1;
};

struct CurlReply {
  int status = 0;
  json j;
};

// curl -X POST with a JSON body from a file (bodies can be large); extra curl arguments.
CurlReply CurlPost(const ServeProcess& s, const std::string& path, const json& body, const std::string& extra = "") {
  const auto file = s.dir() / ("body" + std::to_string(std::rand()) + ".json");
  std::ofstream(file) << body.dump();
  const std::string out = Shell("curl -sS -w '\\n%{http_code}' -X POST -H 'Content-Type: application/json' " + extra +
                                " --data-binary @" + file.string() + " http://127.0.0.1:" + std::to_string(s.port()) + path);
  CurlReply r;
  const size_t nl = out.rfind('\n');
  if (nl == std::string::npos) return r;
  r.status = std::atoi(out.c_str() + nl + 1);
  r.j = json::parse(out.substr(0, nl), nullptr, false);
  return r;
}

const std::string kModel = "--model=" + testing::ModelDir("tiny-text");

TEST(ServeCli, CurlOpenAiAndTeiRequestsWithApiKeyFromEnvironment) {
  ServeProcess s({kModel, "--port", "0", "--model-id", "tiny"}, {"GEMBED_API_KEY=k123"});
  ASSERT_GT(s.port(), 0) << s.log();
  auto lib = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 1});

  // What OpenAI's Python client sends by default: base64, its own model name, a Bearer key.
  const json openai = {{"input", {"hello world", "second"}}, {"model", "text-embedding-3-small"}, {"encoding_format", "float"}};
  const CurlReply r = CurlPost(s, "/v1/embeddings", openai, "-H 'Authorization: Bearer k123'");
  ASSERT_EQ(r.status, 200) << r.j.dump();
  EXPECT_EQ(r.j["model"], "tiny");
  EXPECT_EQ(r.j["data"][1]["embedding"].get<std::vector<float>>(), lib->Embed({{.text = "second"}})[0].embedding);

  const CurlReply tei = CurlPost(s, "/embed", {{"inputs", "hello world"}, {"prompt_name", "document"}}, "-H 'Authorization: Bearer k123'");
  ASSERT_EQ(tei.status, 200) << tei.j.dump();
  EXPECT_EQ(tei.j[0].get<std::vector<float>>(), lib->Embed({{.text = "hello world"}}, {.prompt_name = "document"})[0].embedding);

  const CurlReply denied = CurlPost(s, "/v1/embeddings", openai);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.j["error"]["code"], "invalid_api_key");
  EXPECT_EQ(Shell("curl -s http://127.0.0.1:" + std::to_string(s.port()) + "/health"), "{\"status\":\"ok\"}");
}

TEST(ServeCli, SigtermFinishesTheRequestInFlightThenExits0) {
  ServeProcess s({kModel, "--port", "0", "--threads", "1"});
  ASSERT_GT(s.port(), 0) << s.log();
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "word ";
  const json body = {{"inputs", std::vector<std::string>(12, text)}};
  auto in_flight = std::async(std::launch::async, [&] { return CurlPost(s, "/embed", body); });
  // Wait for its batch to start (the batch counter goes up before the model runs).
  const std::string metrics = "curl -s http://127.0.0.1:" + std::to_string(s.port()) + "/metrics";
  bool started = false;
  for (int i = 0; i < 2000 && !started; ++i) {
    started = Shell(metrics).find("gembed_batches_total 1\n") != std::string::npos;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(started) << s.log();
  ASSERT_EQ(kill(s.pid(), SIGTERM), 0);
  const CurlReply r = in_flight.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.j.size(), 12u);
  const int status = s.Wait(30);
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << s.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << s.log();
  EXPECT_NE(s.log().find("SIGTERM"), std::string::npos) << s.log();
  // Nothing listens any more.
  EXPECT_EQ(Shell("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(s.port()) + "/health"), "000");
}

TEST(ServeCli, SecondSignalExitsWithoutWaiting) {
  ServeProcess s({kModel, "--port", "0", "--threads", "1"});
  ASSERT_GT(s.port(), 0) << s.log();
  std::string text;
  for (int i = 0; i < 1500; ++i) text += "word ";
  auto in_flight = std::async(std::launch::async, [&] { return CurlPost(s, "/embed", {{"inputs", std::vector<std::string>(64, text)}}); });
  const std::string metrics = "curl -s http://127.0.0.1:" + std::to_string(s.port()) + "/metrics";
  bool started = false;
  for (int i = 0; i < 2000 && !started; ++i) {
    started = Shell(metrics).find("gembed_batches_total 1\n") != std::string::npos;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(started) << s.log();
  ASSERT_EQ(kill(s.pid(), SIGINT), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(kill(s.pid(), SIGINT), 0);
  const int status = s.Wait(10);
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << s.log();
  EXPECT_EQ(WEXITSTATUS(status), 1) << s.log();
  EXPECT_NE(s.log().find("SIGINT again"), std::string::npos) << s.log();
  EXPECT_NE(in_flight.get().status, 200);  // cut off
}

TEST(ServeCli, UsageAndStartupErrors) {
  ServeProcess bad_port({kModel, "--port", "70000"});
  EXPECT_EQ(bad_port.port(), 0);
  int st = bad_port.Wait(10);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 2);

  ServeProcess no_model({"--model", "/nonexistent/model", "--port", "0"});
  st = no_model.Wait(10);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 1);
  EXPECT_NE(no_model.log().find("/nonexistent/model"), std::string::npos) << no_model.log();

  // A port already taken: a clear error, exit 1.
  ServeProcess first({kModel, "--port", "0"});
  ASSERT_GT(first.port(), 0) << first.log();
  ServeProcess second({kModel, "--port", std::to_string(first.port())});
  st = second.Wait(10);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 1);
  EXPECT_NE(second.log().find("cannot listen"), std::string::npos) << second.log();
}

// Collections: created when missing, documents added, searched and deleted with curl; a
// collection of another model (indexed with tiny-a) stops the start-up with exit 1.
TEST(ServeCli, CollectionsWithCurlAndAnotherModelRefused) {
  // Not FreshTempDir(): each ServeProcess empties and removes that (per-test) folder.
  const auto dir = std::filesystem::temp_directory_path() / ("gembed_srvcoll_cli_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "notes.db").string();
  {
    ServeProcess s({kModel, "--port", "0", "--collection", "notes=" + db});
    ASSERT_GT(s.port(), 0) << s.log();
    EXPECT_NE(s.log().find("created"), std::string::npos) << s.log();
    const json docs = {{"documents", {{{"id", "d1"}, {"text", "the quick brown fox"}}, {{"id", "d2"}, {"text", "lazy dogs"}}}}};
    const CurlReply add = CurlPost(s, "/collections/notes/documents", docs);
    ASSERT_EQ(add.status, 200) << add.j.dump();
    EXPECT_EQ(add.j["added"], 2);
    const CurlReply found = CurlPost(s, "/collections/notes/search", {{"query", "fox"}, {"k", 1}});
    ASSERT_EQ(found.status, 200) << found.j.dump();
    ASSERT_EQ(found.j["results"].size(), 1u);
    const std::string base = "curl -s -w '\\n%{http_code}' -X DELETE http://127.0.0.1:" + std::to_string(s.port());
    EXPECT_EQ(Shell(base + "/collections/notes/documents/d1"), "{\"deleted\":1}\n200");
    EXPECT_NE(Shell(base + "/collections/notes/documents/d1").find("\n404"), std::string::npos);
    EXPECT_NE(Shell(base + "/collections/other/documents/d1").find("\n404"), std::string::npos);
  }
  // Reopened: what was written is there.
  {
    ServeProcess s({kModel, "--port", "0", "--collection", "notes=" + db});
    ASSERT_GT(s.port(), 0) << s.log();
    const json list = json::parse(Shell("curl -s http://127.0.0.1:" + std::to_string(s.port()) + "/collections"), nullptr, false);
    ASSERT_TRUE(list.is_array()) << list.dump();
    EXPECT_EQ(list[0]["documents"], 1);
  }
  // A collection of tiny-a (created by serving it with tiny-a), then served with tiny-text.
  const std::string other = (dir / "other.db").string();
  {
    ServeProcess a({"--model=" + testing::ModelDir("tiny-a"), "--port", "0", "--collection", "a=" + other});
    ASSERT_GT(a.port(), 0) << a.log();
  }
  ASSERT_TRUE(std::filesystem::exists(other));
  ServeProcess refused({kModel, "--port", "0", "--collection", "a=" + other});
  const int st = refused.Wait(20);
  ASSERT_TRUE(WIFEXITED(st)) << refused.log();
  EXPECT_EQ(WEXITSTATUS(st), 1) << refused.log();
  EXPECT_NE(refused.log().find("--collection a"), std::string::npos) << refused.log();
  EXPECT_NE(refused.log().find("tiny-a"), std::string::npos) << refused.log();
  ServeProcess bad_spec({kModel, "--port", "0", "--collection", "nameonly"});
  const int st2 = bad_spec.Wait(20);
  ASSERT_TRUE(WIFEXITED(st2));
  EXPECT_EQ(WEXITSTATUS(st2), 1);
  EXPECT_NE(bad_spec.log().find("NAME=PATH.db"), std::string::npos) << bad_spec.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gembed
