// A document that cannot be indexed (a special-token string the model has no embedding
// for, a file that is not UTF-8, a vanished file) is skipped with a notice naming it and
// why; the run goes on, what was stored for it is kept, and the next run retries it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "base/error.h"
#include "embedder/embedder.h"
#include "fixtures.h"
#include "index/collection.h"
#include "index/indexer.h"
#include "index/tiny_text_model_test_base.h"

namespace gembed::index {
namespace {
namespace fs = std::filesystem;

using testing::WriteFile;

// The Gemma 3 tokenizer maps this literal text to id 262144, one past the embedding
// table of the fixtures (and of the real EmbeddingGemma). Written in two pieces so that
// this file itself stays indexable (README's first command indexes src/index).
const std::string kSoftToken = std::string("<image_soft") + "_token>";

class IndexerSkipTest : public TinyTextModelTest {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir();
    docs_ = dir_ / "docs";
    WriteFile(docs_ / "a_guide.md", "# Guide\nRun the installer and follow the steps.\n");
    WriteFile(docs_ / "b_token.txt", "Line one is fine.\nThis line quotes " + kSoftToken + " literally.\n");
    WriteFile(docs_ / "c_latin1.txt", "caf\xe9 au lait\n");
    WriteFile(docs_ / "d_notes.txt", "Cats sleep most of the day.\nDogs like long walks.\n");
    WriteFile(docs_ / "e_records.jsonl",
          "{\"id\": \"ok\", \"text\": \"The sea is salty.\"}\n"
          "{\"id\": \"bad\", \"text\": \"a record with " + kSoftToken + "\"}\n");
    CollectionSettings s;
    s.dim = model_->output_dim();
    collection_ = Collection::Create((dir_ / "c.db").string(), s, *identity_);
  }
  void TearDown() override {
    collection_.reset();
    fs::remove_all(dir_);
  }

  IndexStats Index(bool strict = false) {
    notices_.clear();
    done_.clear();
    IndexOptions opt;
    opt.strict = strict;
    opt.batch_chunks = 1;  // a commit per document: skipped ones sit between commits
    opt.notice = [this](const std::string& n) { notices_.push_back(n); };
    opt.on_done = [this](const std::string& key) { done_.push_back(key); };
    return IndexPaths(*model_, *collection_, {docs_.string()}, opt);
  }
  std::map<std::string, std::string> StoredHashes() const {
    std::map<std::string, std::string> out;
    for (const StoredDocument& d : collection_->Documents()) out[d.key] = d.sha256;
    return out;
  }
  // The notice that mentions `what`, or "" (with a test failure) when there is none.
  std::string NoticeAbout(const std::string& what) const {
    for (const std::string& n : notices_) {
      if (n.find(what) != std::string::npos) return n;
    }
    ADD_FAILURE() << "no notice mentions " << what;
    return "";
  }
  std::string Key(const std::string& name) const { return (docs_ / name).string(); }

  fs::path dir_, docs_;
  std::unique_ptr<Collection> collection_;
  std::vector<std::string> notices_, done_;
};

TEST_F(IndexerSkipTest, BadDocumentsAreSkippedTheRestIsIndexedAndSearchable) {
  const IndexStats st = Index();
  EXPECT_EQ(st.files, 5u);
  EXPECT_EQ(st.added, 3u);    // guide, notes, record "ok"
  EXPECT_EQ(st.skipped, 3u);  // the soft-token file, the Latin-1 file, record "bad"
  // Documents before and after the failures were committed (and reported done).
  EXPECT_EQ(done_, (std::vector<std::string>{Key("a_guide.md"), Key("d_notes.txt"), Key("e_records.jsonl") + "#ok"}));
  EXPECT_EQ(StoredHashes().size(), 3u);

  // Each skipped document is named with the reason: the token, its id and the vocabulary.
  const std::string token = NoticeAbout(Key("b_token.txt") + ": cannot embed");
  EXPECT_NE(token.find("chunk 1 (lines 1-2)"), std::string::npos) << token;
  EXPECT_NE(token.find("'" + kSoftToken + "' (id 262144)"), std::string::npos) << token;
  EXPECT_NE(token.find("vocabulary 262144"), std::string::npos) << token;
  EXPECT_NE(token.find("retried on the next run"), std::string::npos) << token;
  const std::string record = NoticeAbout(Key("e_records.jsonl") + "#bad: cannot embed");
  EXPECT_NE(record.find("id 262144"), std::string::npos) << record;
  const std::string latin1 = NoticeAbout(Key("c_latin1.txt") + ": binary file (invalid UTF-8 at byte 3)");
  EXPECT_FALSE(latin1.empty());

  // The good documents are searchable; nothing of the bad ones is stored.
  const std::string query = "Dogs like long walks";
  const SearchResult r = collection_->Search(EmbedQuery(*model_, *collection_, query), query, {.k = 10, .hybrid = true});
  ASSERT_FALSE(r.hits.empty());
  EXPECT_EQ(r.hits[0].key, Key("d_notes.txt"));
  std::set<std::string> keys;
  for (const SearchHit& h : r.hits) keys.insert(h.key);
  EXPECT_EQ(keys, (std::set<std::string>{Key("a_guide.md"), Key("d_notes.txt"), Key("e_records.jsonl") + "#ok"}));
}

TEST_F(IndexerSkipTest, SkippedDocumentsAreRetriedOnTheNextRun) {
  ASSERT_EQ(Index().skipped, 3u);
  // Nothing changed: the good ones are unchanged, the bad ones tried (and skipped) again.
  IndexStats st = Index();
  EXPECT_EQ(st.unchanged, 3u);
  EXPECT_EQ(st.added, 0u);
  EXPECT_EQ(st.skipped, 3u);
  EXPECT_FALSE(NoticeAbout(Key("b_token.txt") + ": cannot embed").empty());
  // Fixed files are indexed by the next run.
  WriteFile(docs_ / "b_token.txt", "Line one is fine.\nThis line no longer quotes a special token.\n");
  WriteFile(docs_ / "c_latin1.txt", "caf\xc3\xa9 au lait\n");
  st = Index();
  EXPECT_EQ(st.added, 2u);
  EXPECT_EQ(st.skipped, 1u);  // record "bad"
  EXPECT_EQ(st.removed, 0u);
  EXPECT_EQ(StoredHashes().size(), 5u);
}

TEST_F(IndexerSkipTest, AStoredDocumentThatNowFailsKeepsItsStoredVersion) {
  WriteFile(docs_ / "b_token.txt", "Line one is fine.\n");
  WriteFile(docs_ / "c_latin1.txt", "caf\xc3\xa9 au lait\n");
  WriteFile(docs_ / "e_records.jsonl", "{\"id\": \"ok\", \"text\": \"The sea is salty.\"}\n{\"id\": \"bad\", \"text\": \"fine\"}\n");
  ASSERT_EQ(Index().skipped, 0u);
  const auto before = StoredHashes();
  const int64_t chunks = collection_->chunk_count();
  ASSERT_EQ(before.size(), 6u);

  // All three change into something that cannot be indexed.
  WriteFile(docs_ / "b_token.txt", "Line one is fine.\n" + kSoftToken + "\n");
  WriteFile(docs_ / "c_latin1.txt", "caf\xe9 au lait\n");
  WriteFile(docs_ / "e_records.jsonl", "{\"id\": \"ok\", \"text\": \"The sea is salty.\"}\n{\"id\": \"bad\", \"text\": \"" + kSoftToken + "\"}\n");
  const IndexStats st = Index();
  EXPECT_EQ(st.skipped, 3u);
  EXPECT_EQ(st.removed, 0u);
  EXPECT_EQ(st.updated, 0u);
  EXPECT_NE(NoticeAbout(Key("b_token.txt") + ": cannot embed").find("its stored version is kept"), std::string::npos);
  // The old versions are all still there, with their old hashes (so they are retried).
  EXPECT_EQ(StoredHashes(), before);
  EXPECT_EQ(collection_->chunk_count(), chunks);
  // …and searchable (the tiny model's weights are random, so look at every hit).
  const std::string query = "Line one is fine.";
  const SearchResult r = collection_->Search(EmbedQuery(*model_, *collection_, query), query, {.k = 100});
  auto hit = std::find_if(r.hits.begin(), r.hits.end(), [&](const SearchHit& h) { return h.key == Key("b_token.txt"); });
  ASSERT_NE(hit, r.hits.end());
  EXPECT_NE(hit->text.find("Line one is fine."), std::string::npos) << hit->text;
  EXPECT_EQ(hit->text.find(kSoftToken), std::string::npos) << hit->text;

  // Once fixed, the next run updates them.
  WriteFile(docs_ / "b_token.txt", "Line one is fine.\nLine two too.\n");
  const IndexStats fixed = Index();
  EXPECT_EQ(fixed.updated, 1u);
  EXPECT_EQ(fixed.skipped, 2u);
  EXPECT_NE(StoredHashes()[Key("b_token.txt")], before.at(Key("b_token.txt")));
}

TEST_F(IndexerSkipTest, StrictModeStopsAtTheFirstFailureAfterCommittingWhatCameBefore) {
  fs::remove(docs_ / "c_latin1.txt");  // a notice even in strict mode (docs/collections.md)
  try {
    Index(/*strict=*/true);
    FAIL() << "expected gembed::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(Key("b_token.txt") + ": cannot embed"), std::string::npos) << what;
    EXPECT_NE(what.find("id 262144"), std::string::npos) << what;
  }
  EXPECT_EQ(StoredHashes().size(), 1u);
  EXPECT_TRUE(StoredHashes().count(Key("a_guide.md")));
}

// What a run did not find is removed only when it lies under a given path and not under a
// folder that could not be listed (sources_test checks that such folders are reported).
TEST(SourceIsGone, KeepsWhatLiesUnderAnUnreadableFolder) {
  const std::vector<std::string> scopes = {"/data/notes", "/data/one.txt"}, unreadable = {"/data/notes/private"};
  EXPECT_TRUE(SourceIsGone("/data/notes/a.txt", scopes, unreadable));
  EXPECT_TRUE(SourceIsGone("/data/one.txt", scopes, unreadable));
  EXPECT_TRUE(SourceIsGone("/data/notes/private2/a.txt", scopes, unreadable));  // a sibling, not inside
  EXPECT_FALSE(SourceIsGone("/data/notes/private/a.txt", scopes, unreadable));
  EXPECT_FALSE(SourceIsGone("/data/notes/private/deep/b.md", scopes, unreadable));
  EXPECT_FALSE(SourceIsGone("/data/other/a.txt", scopes, unreadable));  // not indexed by this run
  EXPECT_TRUE(SourceIsGone("/data/notes/private/a.txt", scopes, {}));
}

}  // namespace
}  // namespace gembed::index
