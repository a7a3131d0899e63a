// Collections over HTTP: documents added through the server are found by search with the
// scores the library gives, re-adding replaces, deleting removes, bad requests and unknown
// names get TEI-shaped errors, and a collection of another model is refused at start-up.
#include <httplib.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/error.h"
#include "embedder/embedder.h"
#include "fixtures.h"
#include "index/model_identity.h"
#include "server/http_server.h"

namespace gembed::server {
namespace {

using nlohmann::json;

const Embedder& TinyText() {
  static const std::unique_ptr<Embedder> e = Embedder::Load(testing::ModelDir("tiny-text"), {.threads = 2});
  return *e;
}

// A fresh path for a collection file, removed (with its WAL files) at the end of the test.
class TempDb {
 public:
  TempDb() {
    static std::atomic<int> n{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("gembed_srvcoll_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".db"))
                .string();
    Clean();
  }
  ~TempDb() { Clean(); }
  const std::string& path() const { return path_; }

 private:
  void Clean() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_;
};

struct Reply {
  int status = 0;
  json j;
};

class CollectionServer {
 public:
  CollectionServer(const std::string& db, ServerOptions opt = {}) {
    opt.host = "127.0.0.1";
    opt.port = 0;
    opt.http_threads = 8;
    opt.collections.push_back({"notes", OpenServedCollection(TinyText(), testing::ModelDir("tiny-text"), db)});
    server_ = std::make_unique<EmbeddingServer>(TinyText(), opt);
    port_ = server_->Bind();
    thread_ = std::thread([this] { server_->Serve(); });
  }
  ~CollectionServer() {
    server_->Stop();
    thread_.join();
  }
  Reply Post(const std::string& path, const std::string& body, const httplib::Headers& h = {}) const {
    return Finish(Client().Post(path.c_str(), h, body, "application/json"));
  }
  Reply Post(const std::string& path, const json& body) const { return Post(path, body.dump()); }
  Reply Get(const std::string& path, const httplib::Headers& h = {}) const { return Finish(Client().Get(path.c_str(), h)); }
  Reply Delete(const std::string& path, const httplib::Headers& h = {}) const { return Finish(Client().Delete(path.c_str(), h)); }

 private:
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    return c;
  }
  static Reply Finish(const httplib::Result& r) {
    Reply out;
    if (!r) {
      ADD_FAILURE() << "no HTTP response: " << httplib::to_string(r.error());
      return out;
    }
    out.status = r->status;
    out.j = json::parse(r->body, nullptr, false);
    return out;
  }
  std::unique_ptr<EmbeddingServer> server_;
  int port_ = 0;
  std::thread thread_;
};

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

json Docs() {
  return {{"documents",
           {{{"id", "cats"}, {"title", "Cats"}, {"text", "Cats purr and sleep in the sun."}, {"metadata", {{"lang", "en"}, {"n", 1}}}},
            {{"id", "rust"}, {"text", "Rust has a borrow checker."}, {"metadata", {{"lang", "en"}, {"n", 2}}}},
            {{"id", "pain"}, {"title", "Brot"}, {"text", "Le pain est cuit au four."}, {"metadata", {{"lang", "fr"}}}}}}};
}

TEST(CollectionRoutes, AddThenSearchScoresEqualTheLibrary) {
  TempDb db;
  CollectionServer s(db.path());
  const Reply add = s.Post("/collections/notes/documents", Docs());
  ASSERT_EQ(add.status, 200) << add.j.dump();
  EXPECT_EQ(add.j["added"], 3);
  EXPECT_EQ(add.j["chunks"], 3);

  const Reply list = s.Get("/collections");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.j.size(), 1u);
  EXPECT_EQ(list.j[0]["name"], "notes");
  EXPECT_EQ(list.j[0]["documents"], 3);
  EXPECT_EQ(list.j[0]["chunks"], 3);
  EXPECT_EQ(list.j[0]["dim"], TinyText().output_dim());
  EXPECT_EQ(list.j[0]["storage"], "f32");

  const std::string query = "a sleeping cat";
  const Reply r = s.Post("/collections/notes/search", json{{"query", query}, {"k", 3}});
  ASSERT_EQ(r.status, 200) << r.j.dump();
  ASSERT_EQ(r.j["results"].size(), 3u);
  EmbedOptions qopt;
  qopt.prompt_name = "query";
  const std::vector<float> q = TinyText().Embed({{.text = query}}, qopt)[0].embedding;
  std::set<std::string> texts;
  double previous = 2;
  for (const json& h : r.j["results"]) {
    // The stored vector is the document-form embedding of the chunk (title form).
    const std::string title = h["title"].get<std::string>();
    EmbedInput doc{.text = h["text"].get<std::string>(), .title = title};
    const std::vector<float> d = TinyText().Embed({doc}, {})[0].embedding;
    EXPECT_NEAR(h["score"].get<double>(), Dot(q, d), 1e-5) << h.dump();
    EXPECT_LE(h["score"].get<double>(), previous + 1e-9);  // best first
    previous = h["score"].get<double>();
    EXPECT_TRUE(h["metadata"].is_object());
    EXPECT_EQ(h["lines"], json({1, 1}));
    texts.insert(h["text"].get<std::string>());
  }
  EXPECT_TRUE(texts.count("Cats purr and sleep in the sun."));

  // Filters: metadata (string and number) and the path glob (the document id).
  const Reply fr = s.Post("/collections/notes/search", json{{"query", query}, {"where", {{"lang", "fr"}}}});
  ASSERT_EQ(fr.status, 200) << fr.j.dump();
  ASSERT_EQ(fr.j["results"].size(), 1u);
  EXPECT_EQ(fr.j["results"][0]["path"], "pain");
  EXPECT_EQ(fr.j["results"][0]["title"], "Brot");
  const Reply n2 = s.Post("/collections/notes/search", json{{"query", query}, {"where", {{"n", 2}}}});
  ASSERT_EQ(n2.status, 200) << n2.j.dump();
  ASSERT_EQ(n2.j["results"].size(), 1u);
  EXPECT_EQ(n2.j["results"][0]["path"], "rust");
  const Reply glob = s.Post("/collections/notes/search", json{{"query", query}, {"path", "ca*"}, {"hybrid", true}});
  ASSERT_EQ(glob.status, 200) << glob.j.dump();
  ASSERT_EQ(glob.j["results"].size(), 1u);
  EXPECT_EQ(glob.j["results"][0]["path"], "cats");
}

TEST(CollectionRoutes, ReAddReplacesAndDeleteRemoves) {
  TempDb db;
  CollectionServer s(db.path());
  ASSERT_EQ(s.Post("/collections/notes/documents", Docs()).status, 200);
  const Reply again = s.Post("/collections/notes/documents",
                             json{{"documents", {{{"id", "cats"}, {"text", "Dogs bark at the mail carrier."}}}}});
  ASSERT_EQ(again.status, 200) << again.j.dump();
  EXPECT_EQ(s.Get("/collections").j[0]["documents"], 3);
  EXPECT_EQ(s.Get("/collections").j[0]["chunks"], 3);
  const Reply r = s.Post("/collections/notes/search", json{{"query", "cats"}, {"k", 10}});
  ASSERT_EQ(r.status, 200);
  for (const json& h : r.j["results"]) {
    EXPECT_NE(h["text"], "Cats purr and sleep in the sun.");
    if (h["path"] == "cats") {
      EXPECT_EQ(h["text"], "Dogs bark at the mail carrier.");
    }
  }

  const Reply del = s.Delete("/collections/notes/documents/cats");
  ASSERT_EQ(del.status, 200) << del.j.dump();
  EXPECT_EQ(del.j["deleted"], 1);
  EXPECT_EQ(s.Get("/collections").j[0]["documents"], 2);
  const Reply after = s.Post("/collections/notes/search", json{{"query", "cats"}, {"k", 10}});
  ASSERT_EQ(after.j["results"].size(), 2u);
  for (const json& h : after.j["results"]) EXPECT_NE(h["path"], "cats");
  const Reply twice = s.Delete("/collections/notes/documents/cats");
  EXPECT_EQ(twice.status, 404);
  EXPECT_EQ(twice.j["error_type"], "NotFound");

  // An id with a slash, sent percent-encoded.
  ASSERT_EQ(s.Post("/collections/notes/documents", json{{"documents", {{{"id", "a/b"}, {"text", "slashed"}}}}}).status, 200);
  EXPECT_EQ(s.Delete("/collections/notes/documents/a%2Fb").status, 200);
}

TEST(CollectionRoutes, PersistsAcrossRestarts) {
  TempDb db;
  { CollectionServer s(db.path());
    ASSERT_EQ(s.Post("/collections/notes/documents", Docs()).status, 200); }
  CollectionServer s(db.path());
  EXPECT_EQ(s.Get("/collections").j[0]["documents"], 3);
}

TEST(CollectionRoutes, UnknownCollectionAndBadBodies) {
  TempDb db;
  ServerOptions opt;
  opt.max_inputs = 2;
  CollectionServer s(db.path(), opt);
  auto expect = [&](const Reply& r, int status, const std::string& type, const std::string& needle) {
    EXPECT_EQ(r.status, status) << r.j.dump();
    EXPECT_EQ(r.j.value("error_type", ""), type) << r.j.dump();
    EXPECT_NE(r.j.value("error", "").find(needle), std::string::npos) << r.j.dump();
  };
  expect(s.Post("/collections/nope/search", json{{"query", "x"}}), 404, "NotFound", "nope");
  expect(s.Post("/collections/nope/documents", Docs()), 404, "NotFound", "nope");
  expect(s.Delete("/collections/nope/documents/x"), 404, "NotFound", "nope");

  expect(s.Post("/collections/notes/search", std::string("{not json")), 422, "Validation", "JSON");
  expect(s.Post("/collections/notes/search", json::object()), 422, "Validation", "'query'");
  expect(s.Post("/collections/notes/search", json{{"query", 3}}), 422, "Validation", "'query'");
  expect(s.Post("/collections/notes/search", json{{"query", "  "}}), 400, "Empty", "'query'");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"k", 0}}), 422, "Validation", "'k'");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"k", 1001}}), 422, "Validation", "'k'");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"k", "5"}}), 422, "Validation", "'k'");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"hybrid", 1}}), 422, "Validation", "'hybrid'");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"where", "a=b"}}), 422, "Validation", "'where'");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"where", {{"a", {1}}}}}), 422, "Validation", "where.a");
  expect(s.Post("/collections/notes/search", json{{"query", "x"}, {"path", 7}}), 422, "Validation", "'path'");

  expect(s.Post("/collections/notes/documents", json::object()), 400, "Empty", "'documents'");
  expect(s.Post("/collections/notes/documents", json{{"documents", json::array()}}), 400, "Empty", "'documents'");
  expect(s.Post("/collections/notes/documents", json{{"documents", "x"}}), 422, "Validation", "'documents'");
  expect(s.Post("/collections/notes/documents", Docs()), 413, "Validation", "at most 2");
  expect(s.Post("/collections/notes/documents", json{{"documents", {{{"text", "x"}}}}}), 422, "Validation", "documents[0].id");
  expect(s.Post("/collections/notes/documents", json{{"documents", {{{"id", 5}, {"text", "x"}}}}}), 422, "Validation",
         "documents[0].id");
  expect(s.Post("/collections/notes/documents", json{{"documents", {{{"id", "a"}, {"text", " \n"}}}}}), 422, "Validation",
         "documents[0].text' is empty");
  expect(s.Post("/collections/notes/documents", json{{"documents", {{{"id", "a"}}}}}), 422, "Validation", "documents[0].text");
  expect(s.Post("/collections/notes/documents", json{{"documents", {{{"id", "a"}, {"text", "x"}, {"metadata", {1, 2}}}}}}), 422,
         "Validation", "documents[0].metadata");
  expect(s.Post("/collections/notes/documents", json{{"documents", {{{"id", "a"}, {"text", "x"}}, {{"id", "a"}, {"text", "y"}}}}}),
         422, "Validation", "twice");
  // Nothing of the refused requests was written.
  EXPECT_EQ(s.Get("/collections").j[0]["documents"], 0);
}

TEST(CollectionRoutes, ApiKeyRequired) {
  TempDb db;
  ServerOptions opt;
  opt.api_key = "sesame";
  CollectionServer s(db.path(), opt);
  EXPECT_EQ(s.Get("/collections").status, 401);
  EXPECT_EQ(s.Post("/collections/notes/search", json{{"query", "x"}}).status, 401);
  EXPECT_EQ(s.Post("/collections/notes/documents", Docs()).status, 401);
  EXPECT_EQ(s.Delete("/collections/notes/documents/cats").status, 401);
  const httplib::Headers auth = {{"Authorization", "Bearer sesame"}};
  EXPECT_EQ(s.Post("/collections/notes/documents", Docs().dump(), auth).status, 200);
  EXPECT_EQ(s.Get("/collections", auth).status, 200);
  EXPECT_EQ(s.Delete("/collections/notes/documents/cats", auth).status, 200);
}

TEST(CollectionRoutes, ConcurrentWritesAndSearches) {
  TempDb db;
  CollectionServer s(db.path());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string id = std::to_string(t * 100 + i);
        const json doc = {{"id", id}, {"text", std::string("text number ").append(id)}};
        if (s.Post("/collections/notes/documents", json{{"documents", {doc}}}).status != 200) ++failures;
        if (s.Post("/collections/notes/search", json{{"query", "number"}, {"k", 3}}).status != 200) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(s.Get("/collections").j[0]["documents"], 20);
}

TEST(CollectionRoutes, AnotherModelsCollectionIsRefusedAtStartUp) {
  TempDb db;
  const auto tiny_a = Embedder::Load(testing::ModelDir("tiny-a"), {.threads = 1});
  // Built by tiny-a (created through the same helper the CLI uses).
  auto foreign = OpenServedCollection(*tiny_a, testing::ModelDir("tiny-a"), db.path());
  EXPECT_THROW(OpenServedCollection(TinyText(), testing::ModelDir("tiny-text"), db.path()), Error);
  ServerOptions opt;
  opt.port = 0;
  opt.collections.push_back({"notes", foreign});
  try {
    EmbeddingServer server(TinyText(), opt);
    ADD_FAILURE() << "a collection of another model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tiny-a"), std::string::npos) << e.what();
  }
  // Names: repeated or with a slash.
  ServerOptions twice;
  twice.port = 0;
  auto mine = OpenServedCollection(TinyText(), testing::ModelDir("tiny-text"), db.path() + "2");
  twice.collections = {{"a", mine}, {"a", mine}};
  EXPECT_THROW(EmbeddingServer(TinyText(), twice), Error);
  twice.collections = {{"a/b", mine}};
  EXPECT_THROW(EmbeddingServer(TinyText(), twice), Error);
  mine.reset();
  for (const char* suffix : {"2", "2-wal", "2-shm"}) std::filesystem::remove(db.path() + suffix);
}

TEST(CollectionRoutes, NoCollectionsNoRoutes) {
  ServerOptions opt;
  opt.port = 0;
  EmbeddingServer server(TinyText(), opt);
  const int port = server.Bind();
  std::thread t([&] { server.Serve(); });
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/collections");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  server.Stop();
  t.join();
}

}  // namespace
}  // namespace gembed::server
