// collection_bench [n=100000] [dim=256] [queries=200] [db=PATH]: exact vs ANN search through
// a Collection (SQLite fetch of the hits included), on clustered random unit vectors.
// Prints build time, per-query latency of both, the speed-up and recall@10.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>

#include "index/collection.h"

using namespace gembed::index;

int main(int argc, char** argv) {
  long n = 100000, dim = 256, queries = 200;
  std::string db = (std::filesystem::temp_directory_path() / "gembed_collection_bench.db").string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    const std::string k = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (k == "n") n = std::atol(v.c_str());
    else if (k == "dim") dim = std::atol(v.c_str());
    else if (k == "queries") queries = std::atol(v.c_str());
    else if (k == "db") db = v;
    else {
      std::fprintf(stderr, "usage: collection_bench [n=N] [dim=D] [queries=Q] [db=PATH]\n");
      return 2;
    }
  }
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  // 200 cluster centres; each vector = centre + noise, normalised (embeddings cluster).
  std::vector<std::vector<float>> centres(200, std::vector<float>(dim));
  for (auto& c : centres) for (float& x : c) x = g(rng);
  auto sample = [&] {
    const auto& c = centres[rng() % centres.size()];
    std::vector<float> v(dim);
    double s = 0;
    for (long i = 0; i < dim; ++i) {
      v[i] = c[i] + 1.5f * g(rng);
      s += double(v[i]) * v[i];
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
    return v;
  };
  CollectionSettings s;
  s.dim = static_cast<int>(dim);
  s.ann_threshold = 1;
  auto c = Collection::Create(db, s, {"bench", "bench", {1.0f}, "bench"});
  using clk = std::chrono::steady_clock;
  auto t0 = clk::now();
  for (long done = 0; done < n;) {
    std::vector<DocumentRecord> batch;
    for (; done < n && batch.size() < 2000; ++done) {
      DocumentRecord d;
      d.key = d.path = std::to_string(done);
      d.kind = "text";
      d.sha256 = "-";
      d.chunks.push_back({.title = "t", .text = "chunk " + std::to_string(done), .line_start = 1, .line_end = 1, .vector = sample()});
      batch.push_back(std::move(d));
    }
    c->Write(batch, {});
  }
  const double write_s = std::chrono::duration<double>(clk::now() - t0).count();
  t0 = clk::now();
  c->UpdateAnn();
  const double ann_s = std::chrono::duration<double>(clk::now() - t0).count();
  std::vector<std::vector<float>> qs;
  for (long i = 0; i < queries; ++i) qs.push_back(sample());
  c->Search(qs[0], "", {.k = 10, .method = SearchMethod::kExact});  // loads the vector cache
  c->Search(qs[0], "", {.k = 10, .method = SearchMethod::kAnn});    // loads the graph
  double exact_ms = 0, ann_ms = 0;
  long found = 0;
  for (const auto& q : qs) {
    t0 = clk::now();
    const auto e = c->Search(q, "", {.k = 10, .method = SearchMethod::kExact});
    exact_ms += std::chrono::duration<double, std::milli>(clk::now() - t0).count();
    t0 = clk::now();
    const auto a = c->Search(q, "", {.k = 10, .method = SearchMethod::kAnn});
    ann_ms += std::chrono::duration<double, std::milli>(clk::now() - t0).count();
    std::set<int64_t> truth;
    for (const auto& h : e.hits) truth.insert(h.id);
    for (const auto& h : a.hits) found += truth.count(h.id);
  }
  std::printf("n=%ld dim=%ld: write %.1f s, ANN build %.1f s, db %.0f MB\n", n, dim, write_s, ann_s,
              std::filesystem::file_size(db) / 1e6);
  std::printf("exact %.3f ms/query, ann %.3f ms/query, speed-up %.1fx, recall@10 %.4f\n", exact_ms / queries,
              ann_ms / queries, exact_ms / ann_ms, double(found) / (10.0 * queries));
  c.reset();
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
  return 0;
}
