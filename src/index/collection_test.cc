// End to end on the tiny-text fixture (real Gemma 3 tokenizer, random weights): the
// mechanics of indexing and searching, and that stored scores are the embedder's own.
#include "index/collection.h"

// GCC 12 reports impossible std::string copies here (its bug 105329): not ours.
#pragma GCC diagnostic ignored "-Wrestrict"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "base/error.h"
#include "embedder/embedder.h"
#include "fixtures.h"
#include "index/indexer.h"
#include "index/tiny_text_model_test_base.h"
#include "index/sqlite_db.h"

namespace gembed::index {
namespace {
namespace fs = std::filesystem;

using testing::WriteFile;

class CollectionTest : public TinyTextModelTest {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    docs_ = dir_ / "docs";
    WriteFile(docs_ / "guide.md",
          "# Guide\nWelcome to the guide.\n\n## Install\nRun the installer and follow the steps.\n\n"
          "## Usage\nSearch your notes with a query.\n");
    WriteFile(docs_ / "notes.txt", "Cats sleep most of the day.\nDogs like long walks.\n");
    WriteFile(docs_ / "src/main.cc", "int main() {\n  return 0;  // zebra\n}\n");
    WriteFile(docs_ / "records.jsonl",
          "{\"id\": \"r1\", \"title\": \"Sea\", \"text\": \"The sea is salty.\", \"metadata\": {\"lang\": \"en\", \"n\": 3}}\n"
          "{\"id\": \"r2\", \"text\": \"La mer est salée.\", \"metadata\": {\"lang\": \"fr\", \"n\": 4}}\n");
    db_ = (dir_ / "c.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Collection> Make(CollectionSettings s = {}) {
    if (s.dim == 0) s.dim = model_->output_dim();
    return Collection::Create(db_, s, *identity_);
  }
  IndexStats Index(Collection& c, std::vector<std::string>* notices = nullptr) {
    IndexOptions opt;
    opt.notice = [notices](const std::string& n) {
      if (notices) notices->push_back(n);
    };
    return IndexPaths(*model_, c, {docs_.string()}, opt);
  }
  // Every chunk, by document key → chunk ids.
  static std::map<std::string, std::set<int64_t>> ChunkIds(const Collection& c) {
    std::vector<float> q(c.settings().dim, 0.0f);
    q[0] = 1;
    std::map<std::string, std::set<int64_t>> out;
    for (const auto& h : c.Search(q, "", {.k = 100000, .method = SearchMethod::kExact}).hits) out[h.key].insert(h.id);
    return out;
  }

  fs::path dir_, docs_;
  std::string db_;
};

TEST_F(CollectionTest, ScoresEqualDirectEmbedderDotProducts) {
  auto c = Make();
  std::vector<std::string> notices;
  const IndexStats st = Index(*c, &notices);
  EXPECT_EQ(st.files, 4u);
  EXPECT_EQ(st.added, 5u);  // guide, notes, main.cc, two records
  EXPECT_TRUE(notices.empty());
  const std::string query = "how do I install it";
  const std::vector<float> q = EmbedQuery(*model_, *c, query);
  {
    // The query is what `embed --prompt query` gives.
    EmbedOptions o;
    o.prompt_name = "query";
    EXPECT_LT(testing::MaxAbsDiff(q, model_->Embed({{.text = query}}, o)[0].embedding), 1e-6);
  }
  const SearchResult r = c->Search(q, query, {.k = 100});
  EXPECT_EQ(r.method, "exact");
  ASSERT_EQ(static_cast<int64_t>(r.hits.size()), c->chunk_count());
  for (size_t i = 0; i < r.hits.size(); ++i) {
    const SearchHit& h = r.hits[i];
    if (i > 0) {
      EXPECT_GE(r.hits[i - 1].score, h.score);
    }
    // Re-embed the chunk as a document ("title: T | text: …") and compare the score.
    const auto d = model_->Embed({{.text = h.text, .title = h.title}})[0].embedding;
    double dot = 0;
    for (size_t j = 0; j < d.size(); ++j) dot += double(d[j]) * q[j];
    EXPECT_NEAR(h.score, dot, 1e-5) << h.key;
  }
  // Titles, line ranges and metadata came through.
  std::map<std::string, SearchHit> by_title;
  for (const auto& h : r.hits) by_title[h.title] = h;
  ASSERT_TRUE(by_title.count("Guide > Install"));
  EXPECT_EQ(by_title["Guide > Install"].line_start, 4);
  EXPECT_EQ(by_title["Guide > Install"].line_end, 6);
  EXPECT_EQ(by_title["Guide > Install"].path, (docs_ / "guide.md").string());
  ASSERT_TRUE(by_title.count("Sea"));
  EXPECT_EQ(by_title["Sea"].metadata_json, "{\"lang\":\"en\",\"n\":3}");
  EXPECT_EQ(by_title["Sea"].line_start, 1);
  ASSERT_TRUE(by_title.count("main.cc"));
  EXPECT_EQ(by_title["main.cc"].line_end, 3);
}

TEST_F(CollectionTest, ReindexEmbedsOnlyChangedDocumentsAndDropsDeletedOnes) {
  auto c = Make();
  Index(*c);
  const auto before = ChunkIds(*c);
  const IndexStats again = Index(*c);
  EXPECT_EQ(again.added + again.updated + again.removed + again.chunks, 0u);
  EXPECT_EQ(again.unchanged, 5u);
  EXPECT_EQ(ChunkIds(*c), before);

  WriteFile(docs_ / "notes.txt", "Cats sleep most of the day.\nDogs like long walks.\nBirds sing.\n");
  fs::remove(docs_ / "src/main.cc");
  WriteFile(docs_ / "records.jsonl",
        "{\"id\": \"r1\", \"title\": \"Sea\", \"text\": \"The sea is salty.\", \"metadata\": {\"lang\": \"en\", \"n\": 3}}\n");
  const IndexStats st = Index(*c);
  EXPECT_EQ(st.updated, 1u);
  EXPECT_EQ(st.removed, 2u);  // main.cc and record r2
  EXPECT_EQ(st.unchanged, 2u);
  const auto after = ChunkIds(*c);
  const std::string guide = (docs_ / "guide.md").string(), notes = (docs_ / "notes.txt").string();
  EXPECT_EQ(after.at(guide), before.at(guide)) << "unchanged documents keep their rows";
  EXPECT_EQ(after.at(docs_.string() + "/records.jsonl#r1"), before.at(docs_.string() + "/records.jsonl#r1"));
  EXPECT_NE(after.at(notes), before.at(notes));
  EXPECT_FALSE(after.count((docs_ / "src/main.cc").string()));
  EXPECT_FALSE(after.count(docs_.string() + "/records.jsonl#r2"));
  EXPECT_EQ(c->document_count(), 3);

  // Indexing another folder leaves these documents alone.
  WriteFile(dir_ / "other/x.txt", "elsewhere\n");
  IndexPaths(*model_, *c, {(dir_ / "other").string()}, {});
  EXPECT_EQ(c->document_count(), 4);
}

TEST_F(CollectionTest, MatryoshkaInt8AndBinaryStorage) {
  for (VectorStorage storage : {VectorStorage::kInt8, VectorStorage::kBinary}) {
    fs::remove(db_);
    CollectionSettings s;
    s.dim = 16;
    s.storage = storage;
    auto c = Make(s);
    Index(*c);
    const std::vector<float> q = EmbedQuery(*model_, *c, "salty sea");
    ASSERT_EQ(q.size(), 16u);
    const SearchResult r = c->Search(q, "", {.k = 3});
    ASSERT_EQ(r.hits.size(), 3u);
    for (const auto& h : r.hits) {
      EmbedOptions o;
      o.dim = 16;
      const auto d = model_->Embed({{.text = h.text, .title = h.title}}, o)[0].embedding;
      const float expect = ScoreEncoded(storage, q.data(), EncodeVector(storage, d).data(), 16);
      EXPECT_NEAR(h.score, expect, 1e-5);
      if (storage == VectorStorage::kInt8) {
        double dot = 0;
        for (int j = 0; j < 16; ++j) dot += double(d[j]) * q[j];
        EXPECT_NEAR(h.score, dot, 2e-2);
      }
    }
    // Reopened, the settings are the stored ones.
    c.reset();
    auto reopened = Collection::Open(db_);
    EXPECT_EQ(reopened->settings().dim, 16);
    EXPECT_EQ(reopened->settings().storage, storage);
    EXPECT_THROW(reopened->Search(std::vector<float>(32, 0.1f), "", {}), Error);
  }
}

TEST_F(CollectionTest, HybridFindsTheExactWordAndFiltersRestrict) {
  auto c = Make();
  Index(*c);
  const std::vector<float> q = EmbedQuery(*model_, *c, "zebra");
  const SearchResult h = c->Search(q, "zebra", {.k = 3, .hybrid = true});
  EXPECT_EQ(h.method, "hybrid(exact)");
  ASSERT_FALSE(h.hits.empty());
  EXPECT_EQ(h.hits[0].title, "main.cc") << "the only chunk with the word wins the fused ranking";
  EXPECT_GT(h.hits[0].score, 1.0 / 61);

  SearchOptions en{.k = 10};
  en.where = {{"lang", "en"}};
  auto r = c->Search(q, "", en);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].title, "Sea");
  en.where = {{"n", "4"}};
  r = c->Search(q, "", en);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].text, "La mer est salée.");
  en.where = {{"lang", "de"}};
  EXPECT_TRUE(c->Search(q, "", en).hits.empty());
  SearchOptions glob{.k = 10};
  glob.path_glob = "docs/*.md";
  r = c->Search(q, "", glob);
  ASSERT_FALSE(r.hits.empty());
  for (const auto& hit : r.hits) EXPECT_EQ(hit.path, (docs_ / "guide.md").string());
  glob.hybrid = true;
  glob.where = {{"lang", "en"}};
  EXPECT_TRUE(c->Search(q, "zebra", glob).hits.empty());
}

TEST_F(CollectionTest, FaqSearchReturnsTheAnswer) {
  WriteFile(dir_ / "faq/qa.jsonl",
        "{\"question\": \"How do I reset my password?\", \"answer\": \"Use the reset link on the login page.\"}\n"
        "{\"question\": \"Where is the invoice?\", \"answer\": \"Under Billing > Invoices.\"}\n"
        "{\"question\": \"Can I change my plan?\", \"answer\": \"Yes, any time.\"}\n");
  CollectionSettings s;
  s.kind = "faq";
  s.document_prompt = s.query_prompt = "STS";
  auto c = Make(s);
  IndexPaths(*model_, *c, {(dir_ / "faq").string()}, {});
  EXPECT_EQ(c->chunk_count(), 3);
  // Asking a stored question exactly finds it (same prompt on both sides: cosine 1).
  const std::string ask = "Where is the invoice?";
  const SearchResult r = c->Search(EmbedQuery(*model_, *c, ask), ask, {.k = 3});
  ASSERT_EQ(r.hits.size(), 3u);
  EXPECT_EQ(r.hits[0].text, ask);
  ASSERT_TRUE(r.hits[0].answer.has_value());
  EXPECT_EQ(*r.hits[0].answer, "Under Billing > Invoices.");
  EXPECT_NEAR(r.hits[0].score, 1.0, 1e-5);
}

TEST_F(CollectionTest, AnotherModelIsRefused) {
  auto c = Make();
  Index(*c);
  c.reset();
  auto reopened = Collection::Open(db_);
  reopened->CheckModel(*identity_);  // the same model passes
  for (const char* other : {"tiny-a", "tiny-b"}) {
    auto m = Embedder::Load(testing::ModelDir(other), {.threads = 1});
    const ModelIdentity id = IdentifyModel(*m, testing::ModelDir(other));
    EXPECT_NE(id.fingerprint, identity_->fingerprint);
    try {
      reopened->CheckModel(id);
      FAIL() << other << " was accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("collection " + db_ + " was built with " + testing::ModelDir("tiny-text")), std::string::npos) << msg;
      EXPECT_NE(msg.find(identity_->fingerprint), std::string::npos) << msg;
      EXPECT_NE(msg.find("differs — use the same model or a new --db"), std::string::npos) << msg;
    }
  }
}

TEST_F(CollectionTest, CorruptOrForeignFilesGiveClearErrors) {
  auto expect_error = [](const std::string& path, const std::string& part) {
    try {
      auto c = Collection::Open(path);
      // Damage that the quick check misses must still surface as an Error, never a crash.
      std::vector<float> q(c->settings().dim, 0.1f);
      c->Search(q, "x", {.k = 5, .hybrid = true});
      FAIL() << path << " opened and searched";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  const std::string garbage = (dir_ / "garbage.db").string();
  WriteFile(garbage, std::string(8192, 'x'));
  expect_error(garbage, "not a database");
  expect_error((dir_ / "missing.db").string(), "no such file");
  const std::string plain = (dir_ / "plain.db").string();
  {
    SqliteDb db(plain, true);
    db.Exec("CREATE TABLE t(x)");
  }
  expect_error(plain, "not a gembed collection");

  // A real collection with its pages overwritten.
  {
    auto c = Make();
    Index(*c);
  }
  {
    // Fold the WAL into the main file first so the damage lands in real pages.
    SqliteDb db(db_, false);
    db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const auto size = fs::file_size(db_);
  ASSERT_GT(size, 8192u);
  {
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(4096, '\x5a');
    f.write(junk.data(), junk.size());
  }
  expect_error(db_, db_);
}

TEST_F(CollectionTest, AnnIndexIsUsedWhenFreshAndIgnoredWhenStale) {
  CollectionSettings s;
  s.ann_threshold = 3;
  auto c = Make(s);
  const IndexStats st = Index(*c);
  EXPECT_TRUE(st.ann);
  EXPECT_TRUE(c->HasFreshAnn());
  const std::vector<float> q = EmbedQuery(*model_, *c, "walks");
  const SearchResult ann = c->Search(q, "", {.k = 4});
  EXPECT_EQ(ann.method, "ann");
  const SearchResult exact = c->Search(q, "", {.k = 4, .method = SearchMethod::kExact});
  EXPECT_EQ(exact.method, "exact");
  ASSERT_EQ(ann.hits.size(), exact.hits.size());
  for (size_t i = 0; i < ann.hits.size(); ++i) {
    EXPECT_EQ(ann.hits[i].id, exact.hits[i].id);  // a tiny graph is exact
    EXPECT_NEAR(ann.hits[i].score, exact.hits[i].score, 1e-5);
  }
  // Another writer (a second process) changes the collection: the stored graph is stale,
  // so searches fall back to exact until the next UpdateAnn rebuilds it.
  {
    auto other = Collection::Open(db_);
    WriteFile(docs_ / "new.txt", "A new file about walks.\n");
    IndexOptions opt;
    IndexPaths(*model_, *other, {(docs_ / "new.txt").string()}, opt);  // updates the ANN itself
  }
  EXPECT_TRUE(c->HasFreshAnn());
  // Now a write through `c` whose log does not start at the stored graph's generation.
  {
    auto other = Collection::Open(db_);
    std::vector<std::string> gone = {(docs_ / "new.txt").string()};
    other->Write({}, gone);  // no UpdateAnn: the graph is stale
  }
  EXPECT_FALSE(c->HasFreshAnn());
  EXPECT_EQ(c->Search(q, "", {.k = 4}).method, "exact");
  EXPECT_THROW(c->Search(q, "", {.k = 4, .method = SearchMethod::kAnn}), Error);
  EXPECT_TRUE(c->UpdateAnn());
  EXPECT_EQ(c->Search(q, "", {.k = 4}).method, "ann");
  // Filters work through the graph too.
  SearchOptions f{.k = 10};
  f.where = {{"lang", "fr"}};
  const auto fr = c->Search(q, "", f);
  EXPECT_EQ(fr.method, "ann");
  ASSERT_EQ(fr.hits.size(), 1u);
  EXPECT_EQ(fr.hits[0].text, "La mer est salée.");
  // Incremental update through the same object.
  WriteFile(docs_ / "notes.txt", "Changed.\n");
  Index(*c);
  EXPECT_TRUE(c->HasFreshAnn());
  EXPECT_EQ(c->Search(q, "", {.k = 100}).hits.size(), static_cast<size_t>(c->chunk_count()));
}

TEST_F(CollectionTest, CreateRefusesAnExistingFile) {
  Make();
  EXPECT_THROW(Make(), Error);
}

}  // namespace
}  // namespace gembed::index

namespace gembed::index {
namespace {

// The ANN path through a collection: recall@10 against exact search on random vectors,
// and a filtered ANN search that still fills k. (The 100k-vector figure and the speed-up
// are measured by ann_bench: docs/ann.md.)
TEST(CollectionAnn, RecallAgainstExactSearch) {
  const fs::path dir = testing::FreshTempDir();
  const std::string db = (dir / "ann.db").string();
  constexpr int kDim = 64, kDocs = 4000;
  CollectionSettings s;
  s.dim = kDim;
  s.ann_threshold = 1000;
  const ModelIdentity fake{"fake-model", "structure", {1.0f, 0.0f}, "0000"};
  auto c = Collection::Create(db, s, fake);
  std::mt19937 rng(7);
  std::normal_distribution<float> n;
  auto unit = [&] {
    std::vector<float> v(kDim);
    double sum = 0;
    for (float& x : v) {
      x = n(rng);
      sum += double(x) * x;
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(sum));
    return v;
  };
  std::vector<DocumentRecord> docs(kDocs);
  for (int i = 0; i < kDocs; ++i) {
    docs[i].key = docs[i].path = std::string("doc").append(std::to_string(i));
    docs[i].kind = "text";
    docs[i].sha256 = "x";
    docs[i].metadata_json = i % 10 == 0 ? "{\"tenth\":true}" : "{}";
    docs[i].chunks.push_back({.title = "t", .text = "text", .line_start = 1, .line_end = 1, .vector = unit()});
  }
  c->Write(docs, {});
  ASSERT_TRUE(c->UpdateAnn());
  int found = 0, total = 0;
  for (int qi = 0; qi < 100; ++qi) {
    const std::vector<float> q = unit();
    const auto exact = c->Search(q, "", {.k = 10, .method = SearchMethod::kExact});
    const auto ann = c->Search(q, "", {.k = 10, .method = SearchMethod::kAnn});
    ASSERT_EQ(ann.method, "ann");
    ASSERT_EQ(ann.hits.size(), 10u);
    std::set<int64_t> truth;
    for (const auto& h : exact.hits) truth.insert(h.id);
    for (const auto& h : ann.hits) found += truth.count(h.id);
    total += 10;
  }
  const double recall = double(found) / total;
  std::printf("collection ANN recall@10 over %d vectors: %.3f\n", kDocs, recall);
  EXPECT_GE(recall, 0.95);
  // A selective filter (one vector in ten) still returns k hits, all matching.
  SearchOptions f{.k = 10, .method = SearchMethod::kAnn};
  f.where = {{"tenth", "true"}};
  const auto filtered = c->Search(unit(), "", f);
  ASSERT_EQ(filtered.hits.size(), 10u);
  for (const auto& h : filtered.hits) EXPECT_EQ(h.metadata_json, "{\"tenth\":true}");
  // Survives a reopen (the graph is read back from its BLOB).
  c.reset();
  auto reopened = Collection::Open(db);
  EXPECT_TRUE(reopened->HasFreshAnn());
  EXPECT_EQ(reopened->Search(unit(), "", {.k = 10}).method, "ann");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gembed::index
