#include "tasks/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "base/error.h"
#include "base/thread_pool.h"

namespace gembed::tasks {

uint64_t SeededRandom::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

// Index of the centroid of highest dot product with x (ties: the lower index) and that dot.
std::pair<int, float> Nearest(const float* x, const EmbeddingMatrix& c) {
  int best = 0;
  float best_dot = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < c.rows; ++j) {
    const float d = Dot(x, c.row(j), c.dim);
    if (d > best_dot) best = static_cast<int>(j), best_dot = d;
  }
  return {best, best_dot};
}

void ParallelRows(size_t n, ThreadPool* pool, const std::function<void(size_t, size_t)>& fn) {
  if (pool == nullptr || pool->num_threads() == 1 || n < 256) {
    fn(0, n);
  } else {
    pool->ParallelFor(n, fn);
  }
}

// k-means++: the first centre uniformly, each next one with probability ∝ D(x)², where D
// is the cosine distance to the nearest centre chosen so far.
EmbeddingMatrix SeedPlusPlus(const EmbeddingMatrix& m, int k, SeededRandom& rng) {
  EmbeddingMatrix c;
  c.dim = m.dim;
  auto add = [&](size_t i) {
    c.data.insert(c.data.end(), m.row(i), m.row(i) + m.dim);
    ++c.rows;
  };
  add(rng.Below(m.rows));
  std::vector<double> d2(m.rows);
  for (size_t i = 0; i < m.rows; ++i) {
    const double d = std::max(0.0, 1.0 - Dot(m.row(i), c.row(0), m.dim));
    d2[i] = d * d;
  }
  while (static_cast<int>(c.rows) < k) {
    const double total = std::accumulate(d2.begin(), d2.end(), 0.0);
    size_t pick = 0;
    if (total <= 0) {
      pick = rng.Below(m.rows);  // every point sits on a centre already: any will do
    } else {
      double r = rng.Uniform() * total;
      for (pick = 0; pick + 1 < m.rows; ++pick) {
        if ((r -= d2[pick]) < 0) break;
      }
    }
    add(pick);
    for (size_t i = 0; i < m.rows; ++i) {
      const double d = std::max(0.0, 1.0 - Dot(m.row(i), c.row(c.rows - 1), m.dim));
      d2[i] = std::min(d2[i], d * d);
    }
  }
  return c;
}

// Lloyd iterations from the given centres; returns the result with sizes and cost.
KMeansResult Lloyd(const EmbeddingMatrix& m, EmbeddingMatrix c, int max_iter, ThreadPool* pool) {
  const int k = static_cast<int>(c.rows);
  KMeansResult r;
  r.k = k;
  r.assignment.assign(m.rows, -1);
  std::vector<float> best_dot(m.rows);
  for (int it = 1; it <= std::max(1, max_iter); ++it) {
    r.iterations = it;
    bool moved = false;
    std::vector<char> changed(m.rows, 0);
    ParallelRows(m.rows, pool, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const auto [j, d] = Nearest(m.row(i), c);
        best_dot[i] = d;
        if (j != r.assignment[i]) r.assignment[i] = j, changed[i] = 1;
      }
    });
    moved = std::find(changed.begin(), changed.end(), 1) != changed.end();
    if (!moved && it > 1) break;
    // New centres: normalised sums of members. An empty cluster takes the point farthest
    // from its own centre, so k clusters always survive.
    std::vector<double> sums(static_cast<size_t>(k) * m.dim, 0.0);
    std::vector<size_t> count(k, 0);
    for (size_t i = 0; i < m.rows; ++i) {
      const int a = r.assignment[i];
      ++count[a];
      for (size_t d = 0; d < m.dim; ++d) sums[a * m.dim + d] += m.row(i)[d];
    }
    for (int j = 0; j < k; ++j) {
      if (count[j] == 0) {
        size_t far = 0;
        for (size_t i = 1; i < m.rows; ++i) {
          if (best_dot[i] < best_dot[far]) far = i;
        }
        best_dot[far] = std::numeric_limits<float>::infinity();  // not picked twice
        std::copy(m.row(far), m.row(far) + m.dim, c.row(j));
        continue;
      }
      double ss = 0;
      for (size_t d = 0; d < m.dim; ++d) ss += sums[j * m.dim + d] * sums[j * m.dim + d];
      const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
      for (size_t d = 0; d < m.dim; ++d) c.row(j)[d] = static_cast<float>(sums[j * m.dim + d] * inv);
    }
  }
  // Final assignment against the final centres, and the cost.
  r.cost = 0;
  r.sizes.assign(k, 0);
  for (size_t i = 0; i < m.rows; ++i) {
    const auto [j, d] = Nearest(m.row(i), c);
    r.assignment[i] = j;
    ++r.sizes[j];
    r.cost += 1.0 - d;
  }
  r.centroids = std::move(c);
  return r;
}

// Renumbers clusters by decreasing size, ties by first member.
void Renumber(KMeansResult* r) {
  std::vector<size_t> first(r->k, SIZE_MAX);
  for (size_t i = 0; i < r->assignment.size(); ++i) first[r->assignment[i]] = std::min(first[r->assignment[i]], i);
  std::vector<int> order(r->k);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    return r->sizes[x] != r->sizes[y] ? r->sizes[x] > r->sizes[y] : first[x] < first[y];
  });
  std::vector<int> new_id(r->k);
  EmbeddingMatrix c;
  c.dim = r->centroids.dim;
  std::vector<size_t> sizes;
  for (int n = 0; n < r->k; ++n) {
    new_id[order[n]] = n;
    c.data.insert(c.data.end(), r->centroids.row(order[n]), r->centroids.row(order[n]) + c.dim);
    ++c.rows;
    sizes.push_back(r->sizes[order[n]]);
  }
  for (int& a : r->assignment) a = new_id[a];
  r->centroids = std::move(c);
  r->sizes = std::move(sizes);
}

}  // namespace

KMeansResult SphericalKMeans(const EmbeddingMatrix& m, const KMeansOptions& options, ThreadPool* pool) {
  if (options.k < 1) throw Error("k must be at least 1");
  if (static_cast<size_t>(options.k) > m.rows) {
    throw Error("cannot make " + std::to_string(options.k) + " clusters of " + std::to_string(m.rows) + " items");
  }
  SeededRandom rng(options.seed);
  KMeansResult best;
  for (int run = 0; run < std::max(1, options.n_init); ++run) {
    KMeansResult r = Lloyd(m, SeedPlusPlus(m, options.k, rng), options.max_iter, pool);
    if (run == 0 || r.cost < best.cost) best = std::move(r);
  }
  Renumber(&best);
  return best;
}

double Silhouette(const EmbeddingMatrix& m, const std::vector<int>& assignment, int k) {
  if (m.rows == 0) return 0;
  std::vector<double> sums(static_cast<size_t>(k) * m.dim, 0.0);
  std::vector<size_t> count(k, 0);
  for (size_t i = 0; i < m.rows; ++i) {
    const int a = assignment[i];
    ++count[a];
    for (size_t d = 0; d < m.dim; ++d) sums[a * m.dim + d] += m.row(i)[d];
  }
  double total = 0;
  for (size_t i = 0; i < m.rows; ++i) {
    const int own = assignment[i];
    if (count[own] < 2) continue;  // a singleton scores 0
    const float* x = m.row(i);
    double self = 0;
    for (size_t d = 0; d < m.dim; ++d) self += double(x[d]) * x[d];
    double a = 0, b = std::numeric_limits<double>::infinity();
    for (int j = 0; j < k; ++j) {
      if (count[j] == 0) continue;
      double dot = 0;
      for (size_t d = 0; d < m.dim; ++d) dot += x[d] * sums[j * m.dim + d];
      if (j == own) {
        a = 1.0 - (dot - self) / static_cast<double>(count[j] - 1);
      } else {
        b = std::min(b, 1.0 - dot / static_cast<double>(count[j]));
      }
    }
    if (!std::isfinite(b)) continue;  // one cluster only: undefined, counts as 0
    const double denom = std::max(a, b);
    if (denom > 0) total += (b - a) / denom;
  }
  return total / static_cast<double>(m.rows);
}

KChoice ChooseK(const EmbeddingMatrix& m, int k_min, int k_max, KMeansOptions options, ThreadPool* pool,
                const std::function<void(int k, int tried, int total)>& done) {
  if (m.rows < 3) throw Error("choosing k needs at least 3 items (give --k for fewer)");
  if (k_min < 2) throw Error("--k-min must be at least 2 (a silhouette needs two clusters)");
  if (k_max < k_min) throw Error("--k-max must be at least --k-min");
  k_max = std::min<int>(k_max, static_cast<int>(m.rows) - 1);
  k_min = std::min(k_min, k_max);
  KChoice choice;
  double best_score = -2;
  for (int k = k_min; k <= k_max; ++k) {
    options.k = k;
    KMeansResult r = SphericalKMeans(m, options, pool);
    const double s = Silhouette(m, r.assignment, k);
    choice.silhouettes.push_back({k, s});
    if (s > best_score) best_score = s, choice.best = std::move(r);
    if (done) done(k, k - k_min + 1, k_max - k_min + 1);
  }
  return choice;
}

std::vector<std::pair<size_t, float>> CentralMembers(const EmbeddingMatrix& m, const KMeansResult& r, int cluster) {
  std::vector<std::pair<size_t, float>> out;
  for (size_t i = 0; i < m.rows; ++i) {
    if (r.assignment[i] == cluster) out.push_back({i, Dot(m.row(i), r.centroids.row(cluster), m.dim)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  return out;
}

}  // namespace gembed::tasks
