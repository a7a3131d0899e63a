// ann_bench: recall@k and speed of AnnIndex against an exact scan, on clustered synthetic
// unit vectors (see ann_test_data.h for why clustered).
//
// Usage: ann_bench [n=100000] [dims=256,768] [queries=1000] [k=10] [efs=16,32,64,128,256]
//                  [M=16] [ef_construction=200] [clusters=100] [spread=2.0] [decay=1]
//                  [threads=1] [min_recall=0] [min_recall_ef=64]
// threads > 1 builds with AddBatch on that many threads.
// Every argument is key=value. With min_recall > 0 the program exits 1 when recall@k at
// ef=min_recall_ef falls below it (the `slow` ctest uses this).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <queue>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "index/ann_distance.h"
#include "index/ann_index.h"
#include "index/ann_test_data.h"

using namespace gembed::index;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::vector<long> ParseList(const std::string& s) {
  std::vector<long> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stol(item));
  return out;
}

// The exact baseline: one pass over a contiguous row-major matrix. 16 independent partial
// sums let the compiler vectorise the dot product without -ffast-math (float addition is
// not associative, so a single accumulator would stay scalar).
float DotRow(const float* __restrict a, const float* __restrict b, int dim) {
  float acc[16] = {};
  int j = 0;
  for (; j + 16 <= dim; j += 16) {
    for (int l = 0; l < 16; ++l) acc[l] += a[j + l] * b[j + l];
  }
  float s = 0;
  for (; j < dim; ++j) s += a[j] * b[j];
  for (float x : acc) s += x;
  return s;
}

// The same dispatched dot-product kernel the index uses (so the speed-up measures the
// algorithm, not the instruction set); the -O3 loop above on CPUs without AVX2.
std::vector<int64_t> ExactScan(const std::vector<float>& data, int dim, const float* q, int k,
                               std::vector<float>& scores) {
  static const AnnDistanceFn kernel = InnerProductDistanceFor(gembed::BestIsa());
  const size_t n = data.size() / dim;
  const size_t d = size_t(dim);
  if (kernel) {
    for (size_t i = 0; i < n; ++i) scores[i] = 1.0f - kernel(&data[i * d], q, &d);
  } else {
    for (size_t i = 0; i < n; ++i) scores[i] = DotRow(&data[i * d], q, dim);
  }
  using Entry = std::pair<float, int64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> best;  // min-heap of the best k
  for (size_t i = 0; i < n; ++i) {
    if (best.size() < size_t(k)) {
      best.emplace(scores[i], int64_t(i));
    } else if (scores[i] > best.top().first) {
      best.pop();
      best.emplace(scores[i], int64_t(i));
    }
  }
  std::vector<int64_t> ids(best.size());
  for (size_t i = ids.size(); i-- > 0; best.pop()) ids[i] = best.top().second;
  return ids;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"n", "100000"}, {"dims", "256,768"}, {"queries", "1000"}, {"k", "10"}, {"efs", "16,32,64,128,256"},
      {"M", "16"}, {"ef_construction", "200"}, {"clusters", "100"}, {"spread", "2.0"}, {"decay", "1"}, {"threads", "1"}, {"min_recall", "0"},
      {"min_recall_ef", "64"}};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    if (eq == std::string::npos || !args.count(a.substr(0, eq))) {
      std::fprintf(stderr, "ann_bench: unknown argument '%s' (arguments are key=value; see the source header)\n", argv[i]);
      return 2;
    }
    args[a.substr(0, eq)] = a.substr(eq + 1);
  }
  const size_t n = std::stoul(args["n"]);
  const int queries = std::stoi(args["queries"]), k = std::stoi(args["k"]);
  const int clusters = std::stoi(args["clusters"]);
  const float spread = std::stof(args["spread"]);
  const float decay = std::stof(args["decay"]);
  const int threads = std::stoi(args["threads"]);
  const double min_recall = std::stod(args["min_recall"]);
  const long min_recall_ef = std::stol(args["min_recall_ef"]);
  AnnParams params;
  params.M = std::stoi(args["M"]);
  params.ef_construction = std::stoi(args["ef_construction"]);

  std::printf("ann_bench: distance kernel %s\n", gembed::IsaName(gembed::BestIsa()));
  std::printf("ann_bench: n=%zu queries=%d k=%d M=%d ef_construction=%d build threads=%d\n", n, queries, k, params.M,
              params.ef_construction, threads);
  std::printf("data: %d Gaussian clusters, noise norm %.2f, noise variance of coordinate j ∝ (j+1)^-%.2f, normalised\n",
              clusters, spread, decay);
  bool failed = false;
  for (long dim_l : ParseList(args["dims"])) {
    const int dim = int(dim_l);
    // Queries: drawn from the same clusters, not in the index.
    auto data = testdata::ClusteredUnitVectors(n + queries, dim, clusters, spread, 42 + dim, decay);
    const std::vector<float> qs(data.begin() + n * dim, data.end());
    data.resize(n * dim);
    data.shrink_to_fit();

    AnnIndex index(dim, params);
    auto t0 = Clock::now();
    if (threads == 1) {
      for (size_t i = 0; i < n; ++i) index.Add(int64_t(i), &data[i * dim]);
    } else {
      std::vector<int64_t> ids(n);
      for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
      index.AddBatch(ids.data(), data.data(), n, threads);
    }
    const double build_s = Seconds(t0, Clock::now());

    t0 = Clock::now();
    const std::string bytes = index.Serialize();
    const double save_s = Seconds(t0, Clock::now());
    t0 = Clock::now();
    const auto loaded = AnnIndex::Deserialize(bytes, dim);
    const double load_s = Seconds(t0, Clock::now());

    std::vector<std::vector<int64_t>> truth(queries);
    std::vector<float> scores(n);
    std::vector<double> exact_ms(queries);
    for (int q = 0; q < queries; ++q) {
      t0 = Clock::now();
      truth[q] = ExactScan(data, dim, &qs[size_t(q) * dim], k, scores);
      exact_ms[q] = 1e3 * Seconds(t0, Clock::now());
    }
    double exact_mean = 0;
    for (double t : exact_ms) exact_mean += t / queries;

    std::printf("\ndim %d: build %.1f s (%.0f inserts/s), serialised %.1f MB (save %.2f s, checked load %.2f s)\n", dim,
                build_s, n / build_s, bytes.size() / 1e6, save_s, load_s);
    std::printf("exact scan: mean %.3f ms/query, p99 %.3f ms\n", exact_mean, Percentile(exact_ms, 0.99));
    std::printf("%6s %10s %12s %12s %10s\n", "ef", "recall@10", "mean ms", "p99 ms", "speed-up");
    for (long ef : ParseList(args["efs"])) {
      std::vector<double> ann_ms(queries);
      size_t found = 0;
      for (int q = 0; q < queries; ++q) {
        t0 = Clock::now();
        const auto hits = loaded->Search(&qs[size_t(q) * dim], k, int(ef));
        ann_ms[q] = 1e3 * Seconds(t0, Clock::now());
        for (const auto& h : hits) found += std::count(truth[q].begin(), truth[q].end(), h.id);
      }
      double mean = 0;
      for (double t : ann_ms) mean += t / queries;
      const double recall = double(found) / (double(queries) * k);
      std::printf("%6ld %10.4f %12.3f %12.3f %9.1fx\n", ef, recall, mean, Percentile(ann_ms, 0.99), exact_mean / mean);
      if (min_recall > 0 && ef == min_recall_ef && recall < min_recall) {
        std::printf("FAIL: recall@%d %.4f < %.4f at dim %d, ef %ld\n", k, recall, min_recall, dim, ef);
        failed = true;
      }
    }
    std::fflush(stdout);
  }
  return failed ? 1 : 0;
}
