// The server on loopback with httplib's client: both APIs' results equal the library's,
// bad requests get the mimicked API's error shapes, limits hold, concurrency is invisible.
#include "server/http_server.h"

#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "embedder/embedder.h"
#include "embedder/output_quantization.h"
#include "fixtures.h"
#include "tokenizer/tokenizer.h"

namespace gembed::server {
namespace {

using nlohmann::json;

const Embedder& TinyText() {
  static const std::unique_ptr<Embedder> e = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 2});
  return *e;
}

// A server on a free loopback port, serving on its own thread for the test's lifetime.
class TestServer {
 public:
  explicit TestServer(ServerOptions opt = {}) : server_(TinyText(), WithTestDefaults(opt)) {
    port_ = server_.Bind();
    thread_ = std::thread([this] { server_.Serve(); });
  }
  ~TestServer() {
    server_.Stop();
    thread_.join();
  }
  int port() const { return port_; }
  const Metrics& metrics() const { return server_.metrics(); }

  struct Reply {
    int status = 0;
    std::string body;
    json j;
  };
  Reply Post(const std::string& path, const std::string& body, const httplib::Headers& headers = {}) const {
    httplib::Client c = Client();
    return Finish(c.Post(path.c_str(), headers, body, "application/json"));
  }
  Reply Post(const std::string& path, const json& body) const { return Post(path, body.dump()); }
  Reply Get(const std::string& path, const httplib::Headers& headers = {}) const {
    httplib::Client c = Client();
    return Finish(c.Get(path.c_str(), headers));
  }
  // A client that waits long enough for slow batches (ASan builds on a busy machine; httplib's
  // default read timeout is 5 s).
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    return c;
  }

 private:
  static ServerOptions WithTestDefaults(ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.http_threads = 24;
    if (o.model_id.empty()) o.model_id = "tiny-text";
    return o;
  }
  static Reply Finish(const httplib::Result& r) {
    Reply out;
    if (!r) {
      ADD_FAILURE() << "no HTTP response: " << httplib::to_string(r.error());
      return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.j = json::parse(r->body, nullptr, false);
    return out;
  }

  EmbeddingServer server_;
  int port_ = 0;
  std::thread thread_;
};

std::vector<float> Library(const std::string& text, EmbedOptions opt = {}) { return TinyText().Embed({{.text = text}}, opt)[0].embedding; }

std::vector<uint8_t> FromBase64(const std::string& s) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::vector<uint8_t> out;
  int bits = 0, acc = 0;
  for (char c : s) {
    const int v = value(c);
    if (v < 0) break;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string LongText(int words) {
  std::string t;
  for (int i = 0; i < words; ++i) t += "word ";
  return t;
}

// Expects OpenAI's error shape.
void ExpectOpenAiError(const TestServer::Reply& r, int status, const std::string& message_part) {
  EXPECT_EQ(r.status, status) << r.body;
  ASSERT_TRUE(r.j.is_object() && r.j.contains("error")) << r.body;
  const json& e = r.j["error"];
  ASSERT_TRUE(e.is_object()) << r.body;
  EXPECT_TRUE(e["message"].is_string());
  EXPECT_NE(e["message"].get<std::string>().find(message_part), std::string::npos) << r.body;
  EXPECT_TRUE(e["type"] == "invalid_request_error" || e["type"] == "server_error") << r.body;
  EXPECT_TRUE(e.contains("param") && e.contains("code")) << r.body;
}

// Expects TEI's error shape.
void ExpectTeiError(const TestServer::Reply& r, int status, const std::string& type, const std::string& message_part) {
  EXPECT_EQ(r.status, status) << r.body;
  ASSERT_TRUE(r.j.is_object()) << r.body;
  EXPECT_EQ(r.j.value("error_type", ""), type) << r.body;
  EXPECT_NE(r.j.value("error", "").find(message_part), std::string::npos) << r.body;
}

TEST(OpenAiApi, EmbeddingsEqualTheLibrarys) {
  TestServer s;
  const auto r = s.Post("/v1/embeddings", json{{"input", {"hello world", "a second, longer text"}}, {"model", "text-embedding-3-small"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["object"], "list");
  EXPECT_EQ(r.j["model"], "tiny-text");
  ASSERT_EQ(r.j["data"].size(), 2u);
  const auto lib = TinyText().Embed({{.text = "hello world"}, {.text = "a second, longer text"}});
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.j["data"][i]["object"], "embedding");
    EXPECT_EQ(r.j["data"][i]["index"], i);
    EXPECT_EQ(r.j["data"][i]["embedding"].get<std::vector<float>>(), lib[i].embedding);
  }
  EXPECT_EQ(r.j["usage"]["prompt_tokens"], lib[0].tokens + lib[1].tokens);
  EXPECT_EQ(r.j["usage"]["total_tokens"], lib[0].tokens + lib[1].tokens);

  const auto one = s.Post("/v1/embeddings", json{{"input", "hello world"}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.j["data"][0]["embedding"].get<std::vector<float>>(), lib[0].embedding);
}

TEST(OpenAiApi, DimensionsAndBase64) {
  TestServer s;
  const auto r = s.Post("/v1/embeddings", json{{"input", "hello"}, {"dimensions", 8}, {"encoding_format", "base64"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::vector<uint8_t> bytes = FromBase64(r.j["data"][0]["embedding"].get<std::string>());
  ASSERT_EQ(bytes.size(), 8 * sizeof(float));
  std::vector<float> got(8);
  std::memcpy(got.data(), bytes.data(), bytes.size());
  EXPECT_EQ(got, Library("hello", {.dim = 8}));
  double norm = 0;
  for (float x : got) norm += double(x) * x;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST(OpenAiApi, TokenArraysGetTheTemplateLikeText) {
  TestServer s;
  const std::vector<int32_t> body = TinyText().tokenizer()->Encode("hello world");
  const auto nested = s.Post("/v1/embeddings", json{{"input", json::array({body, body})}});
  ASSERT_EQ(nested.status, 200) << nested.body;
  const auto flat = s.Post("/v1/embeddings", json{{"input", body}});
  ASSERT_EQ(flat.status, 200) << flat.body;
  const auto lib = TinyText().Embed({{.text = "hello world"}})[0];
  EXPECT_EQ(nested.j["data"][1]["embedding"].get<std::vector<float>>(), lib.embedding);
  EXPECT_EQ(flat.j["data"][0]["embedding"].get<std::vector<float>>(), lib.embedding);
  EXPECT_EQ(flat.j["usage"]["prompt_tokens"], static_cast<int>(body.size()) + 2);  // <bos> … <eos>
}

TEST(OpenAiApi, OverLongInputIsRefused) {
  TestServer s;
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", LongText(2100)}}), 400, "at most 2048");
  const auto r = s.Post("/v1/embeddings", json{{"input", LongText(2100)}});
  EXPECT_EQ(r.j["error"]["code"], "context_length_exceeded");
  std::vector<int32_t> ids(2047, 1000);  // + <bos>, <eos> = 2049
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", ids}}), 400, "2049 tokens");
}

TEST(Precision, MatchesQuantizeEmbeddingsOverFixedRanges) {
  TestServer s;
  const std::vector<std::string> texts = {"alpha", "beta gamma"};
  const auto lib = TinyText().Embed({{.text = texts[0]}, {.text = texts[1]}});
  std::vector<float> flat;
  for (const auto& r : lib) flat.insert(flat.end(), r.embedding.begin(), r.embedding.end());
  const size_t dim = lib[0].embedding.size();
  QuantizationRanges ranges{std::vector<float>(dim, -1.0f), std::vector<float>(dim, 1.0f)};
  for (const char* name : {"int8", "uint8", "binary", "ubinary"}) {
    SCOPED_TRACE(name);
    const Precision p = ParsePrecision(name);
    const std::vector<uint8_t> want = QuantizeEmbeddings(flat.data(), 2, dim, p, &ranges);
    const size_t row = QuantizedRowBytes(dim, p);
    const bool is_signed = p == Precision::kInt8 || p == Precision::kBinary;
    const auto tei = s.Post("/embed", json{{"inputs", texts}, {"precision", name}});
    ASSERT_EQ(tei.status, 200) << tei.body;
    const auto openai = s.Post("/v1/embeddings", json{{"input", texts}, {"precision", name}, {"encoding_format", "base64"}});
    ASSERT_EQ(openai.status, 200) << openai.body;
    for (size_t i = 0; i < 2; ++i) {
      std::vector<int> expect;
      for (size_t k = 0; k < row; ++k) {
        const uint8_t b = want[i * row + k];
        expect.push_back(is_signed ? int(int8_t(b)) : int(b));
      }
      EXPECT_EQ(tei.j[i].get<std::vector<int>>(), expect);
      EXPECT_EQ(FromBase64(openai.j["data"][i]["embedding"].get<std::string>()),
                std::vector<uint8_t>(want.begin() + i * row, want.begin() + (i + 1) * row));
    }
  }
  ExpectTeiError(s.Post("/embed", json{{"inputs", "x"}, {"precision", "int4"}}), 422, "Validation", "int4");
}

TEST(TeiApi, EmbedWithPromptNameAndDimensions) {
  TestServer s;
  const auto r = s.Post("/embed", json{{"inputs", "What is the capital of France?"}, {"prompt_name", "query"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.j.is_array() && r.j.size() == 1) << r.body;
  EXPECT_EQ(r.j[0].get<std::vector<float>>(), Library("What is the capital of France?", {.prompt_name = "query"}));
  EXPECT_NE(r.j[0].get<std::vector<float>>(), Library("What is the capital of France?"));

  const auto d = s.Post("/embed", json{{"inputs", {"a", "b"}}, {"dimensions", 16}, {"normalize", true}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.j[1].get<std::vector<float>>(), Library("b", {.dim = 16}));
}

// TEI's normalize:false: the vector before the model's final Normalize module, and with
// dimensions its first floats as they are (no re-normalisation).
TEST(TeiApi, NormalizeFalseReturnsThePreNormalizeVector) {
  TestServer s;
  auto norm = [](const std::vector<float>& v) {
    double n = 0;
    for (float x : v) n += double(x) * x;
    return std::sqrt(n);
  };
  const auto r = s.Post("/embed", json{{"inputs", {"a", "hello world"}}, {"normalize", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto raw = r.j[1].get<std::vector<float>>();
  EXPECT_EQ(raw, Library("hello world", {.normalize = false}));
  EXPECT_GT(std::fabs(norm(raw) - 1.0), 1e-3) << norm(raw);
  std::vector<float> unit = raw;
  for (float& x : unit) x = static_cast<float>(x / norm(raw));
  EXPECT_LE(testing::MaxAbsDiff(unit, Library("hello world")), 1e-6);

  const auto d = s.Post("/embed", json{{"inputs", {"a", "hello world"}}, {"dimensions", 16}, {"normalize", false}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.j[1].get<std::vector<float>>(), std::vector<float>(raw.begin(), raw.begin() + 16));
  EXPECT_EQ(d.j[1].get<std::vector<float>>(), Library("hello world", {.dim = 16, .normalize = false}));
  // The default (and the OpenAI route, which has no such option) stay unit vectors.
  const auto t = s.Post("/embed", json{{"inputs", "hello world"}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_NEAR(norm(t.j[0].get<std::vector<float>>()), 1.0, 1e-6);
}

TEST(TeiApi, TruncationRightAndLeft) {
  TestServer s;
  const std::string text = "start " + LongText(2100) + "end";
  ExpectTeiError(s.Post("/embed", json{{"inputs", text}}), 413, "Validation", "at most 2048");

  const auto right = s.Post("/embed", json{{"inputs", text}, {"truncate", true}});
  ASSERT_EQ(right.status, 200) << right.body;
  EXPECT_EQ(right.j[0].get<std::vector<float>>(), Library(text));  // the library truncates the end

  const auto left = s.Post("/embed", json{{"inputs", text}, {"truncate", true}, {"truncation_direction", "Left"}});
  ASSERT_EQ(left.status, 200) << left.body;
  const Tokenizer& tok = *TinyText().tokenizer();
  std::vector<int32_t> body = tok.Encode(text);
  std::vector<int32_t> ids = tok.prefix_ids();
  ids.insert(ids.end(), body.end() - 2046, body.end());
  ids.insert(ids.end(), tok.suffix_ids().begin(), tok.suffix_ids().end());
  EXPECT_EQ(left.j[0].get<std::vector<float>>(), TinyText().Embed({{.ids = ids}})[0].embedding);
  EXPECT_NE(left.j[0], right.j[0]);

  ExpectTeiError(s.Post("/embed", json{{"inputs", "x"}, {"truncation_direction", "Middle"}}), 422, "Validation",
                 "truncation_direction");
}

TEST(TeiApi, TokenizeGivesIdsTextsAndOffsets) {
  TestServer s;
  const std::string text = "Hello  wörld, again!";
  const auto r = s.Post("/tokenize", json{{"inputs", text}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.j.size(), 1u);
  const json& toks = r.j[0];
  const std::vector<int32_t> ids = TinyText().Prepare({.text = text}, {}).ids;
  ASSERT_EQ(toks.size(), ids.size());
  std::string joined;
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(toks[i]["id"], ids[i]);
    const bool special = i == 0 || i + 1 == ids.size();
    EXPECT_EQ(toks[i]["special"], special);
    if (special) {
      EXPECT_TRUE(toks[i]["start"].is_null());
      continue;
    }
    const size_t start = toks[i]["start"], stop = toks[i]["stop"];
    EXPECT_EQ(toks[i]["text"], text.substr(start, stop - start));
    EXPECT_EQ(start, joined.size());
    joined += toks[i]["text"].get<std::string>();
  }
  EXPECT_EQ(joined, text);

  const auto bare = s.Post("/tokenize", json{{"inputs", {"a b", "c"}}, {"add_special_tokens", false}});
  ASSERT_EQ(bare.status, 200) << bare.body;
  ASSERT_EQ(bare.j.size(), 2u);
  EXPECT_EQ(bare.j[1].size(), 1u);
  EXPECT_EQ(bare.j[1][0]["text"], "c");
  ExpectTeiError(s.Post("/tokenize", json{{"inputs", "x"}, {"prompt_name", "nope"}}), 422, "Validation", "nope");
}

TEST(Routes, HealthInfoModelsAndUnknown) {
  TestServer s;
  EXPECT_EQ(s.Get("/health").status, 200);
  const auto info = s.Get("/info");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.j["model_id"], "tiny-text");
  EXPECT_EQ(info.j["max_input_length"], 2048);
  EXPECT_EQ(info.j["max_batch_tokens"], 8192);
  EXPECT_EQ(info.j["max_client_batch_size"], 2048);
  EXPECT_EQ(info.j["model_type"]["embedding"]["pooling"], "mean");
  const auto models = s.Get("/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(models.j["data"][0]["id"], "tiny-text");
  ExpectTeiError(s.Get("/nowhere"), 404, "NotFound", "/nowhere");
  ExpectOpenAiError(s.Get("/v1/nowhere"), 404, "/v1/nowhere");
}

TEST(BadRequests, OpenAiShapes) {
  TestServer s;
  ExpectOpenAiError(s.Post("/v1/embeddings", std::string("{\"input\": [\"a\",")), 400, "malformed JSON");
  ExpectOpenAiError(s.Post("/v1/embeddings", std::string("[1, 2]")), 400, "must be an object");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"model", "m"}}), 400, "'input' is required");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", 5}}), 400, "must be a string");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", {"a", 5}}}), 400, "must be a string");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", json::array({json::array({1, "x"})})}}), 400, "integers");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", {-1}}}), 400, "outside");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", {5000000}}}), 400, "vocabulary");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", json::array()}}), 400, "empty");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", ""}}), 400, "nothing to embed");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", "a"}, {"model", 3}}), 400, "'model' must be a string");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", "a"}, {"encoding_format", "hex"}}), 400, "encoding_format");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", "a"}, {"dimensions", "8"}}), 400, "dimensions");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", "a"}, {"dimensions", 0}}), 400, "dimensions");
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", "a"}, {"dimensions", 33}}), 400, "between 1 and 32");
  const auto prompt = s.Post("/v1/embeddings", json{{"input", "a"}, {"prompt_name", "nope"}});
  ExpectOpenAiError(prompt, 400, "unknown prompt_name 'nope'");
  EXPECT_EQ(prompt.j["error"]["param"], "prompt_name");
}

TEST(BadRequests, TeiShapes) {
  TestServer s;
  ExpectTeiError(s.Post("/embed", std::string("{\"inputs\": ")), 422, "Validation", "malformed JSON");
  ExpectTeiError(s.Post("/embed", std::string("\"text\"")), 422, "Validation", "must be an object");
  ExpectTeiError(s.Post("/embed", json{{"input", "a"}}), 422, "Validation", "'inputs' is required");
  ExpectTeiError(s.Post("/embed", json{{"inputs", {{"a"}}}}), 422, "Validation", "integers");
  ExpectTeiError(s.Post("/embed", json{{"inputs", json::array()}}), 400, "Empty", "empty");
  ExpectTeiError(s.Post("/embed", json{{"inputs", "a"}, {"normalize", "yes"}}), 422, "Validation", "normalize");
  ExpectTeiError(s.Post("/embed", json{{"inputs", "a"}, {"truncate", 1}}), 422, "Validation", "truncate");
  ExpectTeiError(s.Post("/embed", json{{"inputs", "a"}, {"prompt_name", "nope"}}), 422, "Validation", "nope");
  ExpectTeiError(s.Post("/tokenize", json{{"inputs", 3}}), 422, "Validation", "inputs");
  // Invalid UTF-8 in a JSON string is malformed JSON.
  ExpectTeiError(s.Post("/embed", std::string("{\"inputs\": \"a\xff\"}")), 422, "Validation", "malformed JSON");
}

TEST(Limits, BodySizeAndInputCount) {
  TestServer s({.max_body_bytes = 4096, .max_inputs = 4});
  const std::string big = json{{"input", std::string(5000, 'a')}}.dump();
  ExpectOpenAiError(s.Post("/v1/embeddings", big), 413, "exceeds 4096 bytes");
  ExpectTeiError(s.Post("/embed", json{{"inputs", std::string(5000, 'a')}}.dump()), 413, "Validation", "exceeds 4096 bytes");
  // The form-urlencoded label (curl -d's default) does not change the limit or the answer.
  httplib::Client c = s.Client();
  auto form = c.Post("/embed", json{{"inputs", std::string(3000, 'a')}, {"truncate", true}}.dump(), "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200) << form->body;

  const json five = {"a", "b", "c", "d", "e"};
  ExpectOpenAiError(s.Post("/v1/embeddings", json{{"input", five}}), 413, "at most 4");
  ExpectTeiError(s.Post("/embed", json{{"inputs", five}}), 413, "Validation", "at most 4");
  EXPECT_EQ(s.Post("/embed", json{{"inputs", {"a", "b", "c", "d"}}}).status, 200);
}

TEST(ApiKey, RequiredOnTheApisNotOnHealthOrMetrics) {
  TestServer s({.api_key = "s3cret"});
  const json req = {{"input", "a"}};
  ExpectOpenAiError(s.Post("/v1/embeddings", req.dump()), 401, "missing API key");
  ExpectOpenAiError(s.Post("/v1/embeddings", req.dump(), {{"Authorization", "Bearer wrong"}}), 401, "invalid API key");
  ExpectOpenAiError(s.Post("/v1/embeddings", req.dump(), {{"Authorization", "s3cret"}}), 401, "invalid API key");
  ExpectTeiError(s.Post("/embed", json{{"inputs", "a"}}.dump()), 401, "Unauthorized", "missing API key");
  ExpectTeiError(s.Get("/info"), 401, "Unauthorized", "missing API key");
  EXPECT_EQ(s.Post("/v1/embeddings", req.dump(), {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(s.Post("/embed", json{{"inputs", "a"}}.dump(), {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(s.Get("/health").status, 200);
  EXPECT_EQ(s.Get("/metrics").status, 200);
}

TEST(Concurrency, ManyClientsGetTheSingleRequestBytes) {
  TestServer s;
  constexpr int kThreads = 16, kRequests = 10;
  auto body = [](int t, int i) {
    json inputs = json::array();
    for (int k = 0; k <= (t + i) % 3; ++k) inputs.push_back("client " + std::to_string(t) + " request " + std::to_string(i) + " part " + std::to_string(k));
    return json{{"input", inputs}, {"dimensions", (t % 2) ? 16 : 32}}.dump();
  };
  // The reference: every request alone, one after another.
  std::vector<std::vector<std::string>> alone(kThreads, std::vector<std::string>(kRequests));
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kRequests; ++i) alone[t][i] = s.Post("/v1/embeddings", body(t, i)).body;
  const uint64_t batches_alone = s.metrics().batches();

  std::vector<std::vector<std::string>> together(kThreads, std::vector<std::string>(kRequests));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c = s.Client();  // one keep-alive connection per client
      for (int i = 0; i < kRequests; ++i) {
        auto r = c.Post("/v1/embeddings", body(t, i), "application/json");
        together[t][i] = r ? r->body : "no response: " + httplib::to_string(r.error());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kRequests; ++i) EXPECT_EQ(together[t][i], alone[t][i]) << "client " << t << " request " << i;
  for (int i = 0; i < 500 && s.metrics().requests("/v1/embeddings", 200) < 2u * kThreads * kRequests; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // logged just after the response
  }
  EXPECT_EQ(s.metrics().requests("/v1/embeddings", 200), 2u * kThreads * kRequests);
  // Some concurrent requests shared a batch (fewer batches than requests).
  EXPECT_LT(s.metrics().batches() - batches_alone, uint64_t(kThreads * kRequests));
}

TEST(Limits, FullQueueAnswers503And429) {
  TestServer s({.max_queue = 1});
  std::thread busy([&] {
    EXPECT_EQ(s.Post("/embed", json{{"inputs", std::vector<std::string>(8, LongText(1500))}}).status, 200);
  });
  while (s.metrics().batches() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The long batch is running: one short request may wait, the others are refused.
  std::vector<TestServer::Reply> replies(4);
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      replies[i] = i % 2 ? s.Post("/embed", json{{"inputs", "short"}}) : s.Post("/v1/embeddings", json{{"input", "short"}});
    });
  }
  for (auto& c : clients) c.join();
  busy.join();
  int refused = 0;
  for (int i = 0; i < 4; ++i) {
    if (replies[i].status == 200) continue;
    ++refused;
    if (i % 2) {
      ExpectTeiError(replies[i], 429, "Overloaded", "queue is full");
    } else {
      ExpectOpenAiError(replies[i], 503, "queue is full");
    }
  }
  EXPECT_GE(refused, 2);
}

TEST(Metrics, CountRequestsTokensAndBatches) {
  TestServer s;
  ASSERT_EQ(s.Post("/v1/embeddings", json{{"input", {"one", "two"}}}).status, 200);
  ASSERT_EQ(s.Post("/embed", json{{"inputs", "three"}}).status, 200);
  ASSERT_EQ(s.Post("/embed", std::string("{")).status, 422);
  // httplib logs a request after its response is written, so the last one may count a moment
  // after the client has its answer.
  TestServer::Reply m;
  for (int i = 0; i < 500; ++i) {
    m = s.Get("/metrics");
    if (m.body.find("gembed_http_request_duration_seconds_count{route=\"/embed\"} 2\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("gembed_http_requests_total{route=\"/v1/embeddings\",status=\"200\"} 1\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("gembed_http_requests_total{route=\"/embed\",status=\"200\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("gembed_http_requests_total{route=\"/embed\",status=\"422\"} 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("gembed_embedded_inputs_total 3\n"), std::string::npos);
  int tokens = 0;
  for (const auto& r : TinyText().Embed({{.text = "one"}, {.text = "two"}, {.text = "three"}})) tokens += r.tokens;
  EXPECT_NE(m.body.find("gembed_embedded_tokens_total " + std::to_string(tokens) + "\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("gembed_batches_total 2\n"), std::string::npos);
  EXPECT_NE(m.body.find("gembed_http_request_duration_seconds_count{route=\"/embed\"} 2\n"), std::string::npos);
  EXPECT_NE(m.body.find("gembed_queue_time_seconds_count 2\n"), std::string::npos);
}

}  // namespace
}  // namespace gembed::server
