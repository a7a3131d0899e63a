// AnnIndex over hnswlib 0.6.2 (Debian libhnswlib-dev). This is the only translation unit
// that may include hnswlib: its hnswlib.h defines non-inline functions (cpuid, AVXCapable…),
// so a second including file in the same binary would not link.
//
// What we use of hnswlib and why:
//  - HierarchicalNSW<float> with InnerProductSpace (distance = 1 − dot), addPoint (which in
//    0.6.2 already updates a label that exists, un-deleting it), markDeletedInternal,
//    resizeIndex for growth.
//  - Not searchKnn: in 0.6.2 it reads the member ef_, and setEf writes it, so a per-query ef
//    would race between threads. We do the greedy descent of the upper layers here and call
//    the public, const searchBaseLayerST(entry, query, ef) with the ef of this query: no
//    shared mutable state except hnswlib's mutex-guarded visited-list pool.
//  - Not saveIndex/loadIndex: 0.6.2 only saves to and loads from a file path, and loadIndex
//    trusts every size in the file. We write the graph's public arrays ourselves, behind a
//    checked header (ann_format.h), and validate every link before building the graph.
#include "index/ann_index.h"

// hnswlib 0.6.2's SSE paths prefetch the id one past the end of each link list, which
// reads 4 bytes past the malloc'd upper-layer lists (AddressSanitizer reports it; fixed in
// later hnswlib). Turning them off costs only the prefetches: distances come from our own
// kernels (ann_distance.h) anyway. It also drops hnswlib's non-inline cpuid helpers.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <unordered_set>

#include "base/error.h"
#include "index/ann_distance.h"
#include "index/ann_format.h"

namespace gembed::index {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;

constexpr size_t kInitialCapacity = 256;
constexpr int kMaxLevel = 64;      // levels are ~log_M(n); anything this high is corrupt
constexpr int kMaxM = 2048;        // layer-0 lists hold 2·M ids behind a 16-bit count
constexpr int kMaxDim = 1 << 16;

void CheckParams(int dim, const AnnParams& p) {
  if (dim <= 0 || dim > kMaxDim) throw Error("ANN index: dimension " + std::to_string(dim) + " out of range 1.." + std::to_string(kMaxDim));
  if (p.M < 2 || p.M > kMaxM) throw Error("ANN index: M " + std::to_string(p.M) + " out of range 2.." + std::to_string(kMaxM));
  if (p.ef_construction < 1) throw Error("ANN index: ef_construction must be at least 1");
  if (p.ef_search < 1) throw Error("ANN index: ef_search must be at least 1");
}

void CheckFinite(const float* v, int dim, const std::string& what) {
  for (int j = 0; j < dim; ++j) {
    if (!std::isfinite(v[j])) {
      throw Error(std::string("ANN index: ") + what + " has a non-finite value at position " + std::to_string(j));
    }
  }
}

inline hnswlib::labeltype Label(int64_t id) { return static_cast<hnswlib::labeltype>(id); }
inline int64_t Id(hnswlib::labeltype label) { return static_cast<int64_t>(label); }
inline float Score(float distance) { return 1.0f - distance; }  // InnerProductSpace: 1 − dot

// An inner-product space for hnswlib with our run-time-dispatched distance kernels.
class DotSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit DotSpace(size_t dim) : dim_(dim) {
    distance_ = InnerProductDistanceFor(BestIsa());
    if (!distance_) distance_ = InnerProductDistanceScalar;
  }
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> distance_;
};

}  // namespace

struct AnnIndex::Impl {
  Impl(int d, const AnnParams& p, size_t capacity)
      : dim(d), params(p), space(static_cast<size_t>(d)),
        graph(std::make_unique<Graph>(&space, capacity, p.M, p.ef_construction, p.seed)) {}

  int dim;
  AnnParams params;
  DotSpace space;  // the graph keeps pointers into it: declared first
  std::unique_ptr<Graph> graph;
  size_t live = 0;

  float Distance(const float* q, tableint i) const {
    return graph->fstdistfunc_(q, graph->getDataByInternalId(i), graph->dist_func_param_);
  }

  // Up to ef live candidates, nearest first, as (distance, internal id).
  std::vector<std::pair<float, tableint>> Candidates(const float* q, size_t ef) const {
    const Graph& g = *graph;
    std::vector<std::pair<float, tableint>> out;
    if (live == 0) return out;
    // Greedy descent through the upper layers to the best entry point for layer 0.
    tableint cur = g.enterpoint_node_;
    float cur_d = Distance(q, cur);
    for (int level = g.maxlevel_; level > 0; --level) {
      for (bool moved = true; moved;) {
        moved = false;
        hnswlib::linklistsizeint* list = g.get_linklist(cur, level);
        const unsigned n = g.getListCount(list);
        const tableint* next = reinterpret_cast<const tableint*>(list + 1);
        for (unsigned i = 0; i < n; ++i) {
          const float d = Distance(q, next[i]);
          if (d < cur_d) {
            cur_d = d;
            cur = next[i];
            moved = true;
          }
        }
      }
    }
    auto top = g.num_deleted_ ? g.searchBaseLayerST<true, false>(cur, q, ef)
                              : g.searchBaseLayerST<false, false>(cur, q, ef);
    out.resize(top.size());
    for (size_t i = out.size(); i-- > 0; top.pop()) out[i] = top.top();  // the queue pops farthest first
    return out;
  }

  // Exact top-k over every live vector (keep may be empty). keep is asked only for vectors
  // that would enter the current top k, so a costly filter runs as little as possible.
  std::vector<AnnHit> ExactSearch(const float* q, size_t k, const std::function<bool(int64_t)>* keep) const {
    const Graph& g = *graph;
    std::priority_queue<std::pair<float, tableint>> worst_on_top;
    for (tableint i = 0; i < g.cur_element_count; ++i) {
      if (g.isMarkedDeleted(i)) continue;
      const float d = Distance(q, i);
      if (worst_on_top.size() == k && !(d < worst_on_top.top().first)) continue;
      if (keep && !(*keep)(Id(g.getExternalLabel(i)))) continue;
      worst_on_top.emplace(d, i);
      if (worst_on_top.size() > k) worst_on_top.pop();
    }
    std::vector<AnnHit> hits(worst_on_top.size());
    for (size_t i = hits.size(); i-- > 0; worst_on_top.pop()) {
      hits[i] = {Id(g.getExternalLabel(worst_on_top.top().second)), Score(worst_on_top.top().first)};
    }
    return hits;
  }
};

AnnIndex::AnnIndex(int dim, const AnnParams& params) {
  CheckParams(dim, params);
  impl_ = std::make_unique<Impl>(dim, params, kInitialCapacity);
}

AnnIndex::~AnnIndex() = default;

void AnnIndex::Add(int64_t id, const float* vec) {
  CheckFinite(vec, impl_->dim, "vector for id " + std::to_string(id));
  Graph& g = *impl_->graph;
  try {
    const auto found = g.label_lookup_.find(Label(id));
    if (found != g.label_lookup_.end()) {
      // hnswlib 0.6.2's addPoint updates an existing label in place (and un-deletes it).
      const bool was_removed = g.isMarkedDeleted(found->second);
      g.addPoint(vec, Label(id));
      if (was_removed) ++impl_->live;
      return;
    }
    if (g.cur_element_count >= g.max_elements_) g.resizeIndex(std::max(kInitialCapacity, 2 * g.max_elements_));
    g.addPoint(vec, Label(id));
    ++impl_->live;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // hnswlib reports failures as std::runtime_error
    throw Error(std::string("ANN index: adding id ") + std::to_string(id) + " failed: " + e.what());
  }
}

void AnnIndex::AddBatch(const int64_t* ids, const float* vecs, size_t n, int threads) {
  const size_t dim = static_cast<size_t>(impl_->dim);
  for (size_t i = 0; i < n; ++i) CheckFinite(vecs + i * dim, impl_->dim, "vector for id " + std::to_string(ids[i]));
  Graph& g = *impl_->graph;
  // New, distinct ids go in parallel (hnswlib's addPoint locks per node for that); the rest
  // are updates, applied afterwards in batch order.
  std::vector<size_t> fresh, updates;
  std::unordered_set<int64_t> seen;
  for (size_t i = 0; i < n; ++i) {
    const bool is_new = !g.label_lookup_.count(Label(ids[i])) && seen.insert(ids[i]).second;
    (is_new ? fresh : updates).push_back(i);
  }
  size_t workers = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, 1 + fresh.size() / 256);  // small batches are not worth a thread
  if (workers <= 1) {
    for (size_t i : fresh) Add(ids[i], vecs + i * dim);
  } else {
    const size_t needed = g.cur_element_count + fresh.size();
    if (needed > g.max_elements_) {
      try {
        g.resizeIndex(std::max(needed, 2 * g.max_elements_));
      } catch (const std::runtime_error& e) {
        throw Error(std::string("ANN index: growing to ") + std::to_string(needed) + " vectors failed: " + e.what());
      }
    }
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto work = [&] {
      constexpr size_t kChunk = 64;
      for (size_t begin; (begin = next.fetch_add(kChunk)) < fresh.size();) {
        for (size_t j = begin; j < std::min(begin + kChunk, fresh.size()); ++j) {
          try {
            g.addPoint(vecs + fresh[j] * dim, Label(ids[fresh[j]]));
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
            next = fresh.size();
            return;
          }
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    // Count what made it in, even on error, so size() stays true.
    impl_->live = 0;
    for (tableint i = 0; i < g.cur_element_count; ++i) impl_->live += !g.isMarkedDeleted(i);
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::bad_alloc&) {
        throw;
      } catch (const std::exception& e) {
        throw Error(std::string("ANN index: batch add failed: ") + e.what());
      }
    }
  }
  for (size_t i : updates) Add(ids[i], vecs + i * dim);
}

void AnnIndex::Remove(int64_t id) {
  Graph& g = *impl_->graph;
  const auto found = g.label_lookup_.find(Label(id));
  if (found == g.label_lookup_.end() || g.isMarkedDeleted(found->second)) return;
  // hnswlib 0.6.2 only marks: the slot stays in the graph (as a waypoint, never a result)
  // until the same id is added again.
  g.markDeletedInternal(found->second);
  --impl_->live;
}

std::vector<AnnHit> AnnIndex::Search(const float* query, int k, int ef) const {
  if (k <= 0 || impl_->live == 0) return {};
  CheckFinite(query, impl_->dim, "query");
  const size_t ef_used = std::max<size_t>(ef > 0 ? ef : impl_->params.ef_search, k);
  const auto candidates = impl_->Candidates(query, ef_used);
  std::vector<AnnHit> hits;
  hits.reserve(std::min<size_t>(k, candidates.size()));
  for (const auto& [d, i] : candidates) {
    if (hits.size() == static_cast<size_t>(k)) break;
    hits.push_back({Id(impl_->graph->getExternalLabel(i)), Score(d)});
  }
  return hits;
}

// Filtered search. hnswlib 0.6.2 has no filter hook in its search, so we search wider and
// filter the candidates: ef starts at max(ef, k) and grows by the kept fraction seen so far
// (at least doubling) until k candidates pass. When the needed ef reaches a quarter of the
// live vectors the graph walk would touch about as many vectors as a scan, so we scan
// exactly instead — which also covers very selective filters and guarantees k hits whenever
// k live vectors pass the filter.
std::vector<AnnHit> AnnIndex::Search(const float* query, int k, const std::function<bool(int64_t)>& keep,
                                     int ef) const {
  if (!keep) return Search(query, k, ef);
  if (k <= 0 || impl_->live == 0) return {};
  CheckFinite(query, impl_->dim, "query");
  const Graph& g = *impl_->graph;
  const size_t want = static_cast<size_t>(k);
  const size_t scan_threshold = impl_->live / 4;
  size_t ef_used = std::max<size_t>(ef > 0 ? ef : impl_->params.ef_search, want);
  while (ef_used < scan_threshold) {
    const auto candidates = impl_->Candidates(query, ef_used);
    std::vector<AnnHit> hits;
    for (const auto& [d, i] : candidates) {
      const int64_t id = Id(g.getExternalLabel(i));
      if (!keep(id)) continue;
      hits.push_back({id, Score(d)});
      if (hits.size() == want) return hits;
    }
    if (candidates.size() < ef_used) break;  // the walk ran out of reachable vectors: scan
    // Kept so far: hits.size() of ef_used. Aim for 1.5× the ef that rate says we need.
    const size_t estimate = hits.empty() ? 4 * ef_used : ef_used * want * 3 / (2 * hits.size());
    ef_used = std::max(2 * ef_used, estimate);
  }
  return impl_->ExactSearch(query, want, &keep);
}

size_t AnnIndex::size() const { return impl_->live; }
int AnnIndex::dim() const { return impl_->dim; }
const AnnParams& AnnIndex::params() const { return impl_->params; }

// Payload after the header: entry_point:u32 max_level:i32, then the layer-0 block of every
// slot exactly as hnswlib lays it out (link count + flags, 2·M links, the vector, the
// 64-bit label), then per slot level:u32 followed by level × (count + M links) upper lists.
std::string AnnIndex::Serialize() const {
  const Graph& g = *impl_->graph;
  const size_t count = g.cur_element_count;
  std::string payload;
  payload.reserve(8 + count * (g.size_data_per_element_ + 4));
  PutU32(payload, g.enterpoint_node_);
  PutU32(payload, static_cast<uint32_t>(g.maxlevel_));
  payload.append(g.data_level0_memory_, count * g.size_data_per_element_);
  for (size_t i = 0; i < count; ++i) {
    const int level = g.element_levels_[i];
    PutU32(payload, static_cast<uint32_t>(level));
    if (level > 0) payload.append(g.linkLists_[i], level * g.size_links_per_element_);
  }

  AnnHeader h;
  h.dim = static_cast<uint32_t>(impl_->dim);
  h.M = static_cast<uint32_t>(impl_->params.M);
  h.ef_construction = static_cast<uint32_t>(impl_->params.ef_construction);
  h.ef_search = static_cast<uint32_t>(impl_->params.ef_search);
  h.seed = impl_->params.seed;
  h.element_count = count;
  h.payload_bytes = payload.size();
  std::string out;
  out.reserve(AnnHeader::kSize + payload.size());
  WriteAnnHeader(h, out);
  out.resize(AnnHeader::kSize - 8);
  h.checksum = AnnChecksum(out, payload);
  PutU64(out, h.checksum);
  out += payload;
  return out;
}

namespace {

// Checks one link list (count, then ids) read from `list`: every id names another slot that
// exists and reaches `level`, so that hnswlib's walks stay inside its arrays.
void CheckLinks(const char* list, size_t max_links, size_t slot, int level, const std::vector<int>& levels,
                bool check_levels) {
  uint16_t n;
  std::memcpy(&n, list, 2);
  const auto fail = [&](const std::string& what) {
    throw Error("ANN index bytes: corrupt graph at slot " + std::to_string(slot) + " level " + std::to_string(level) +
                ": " + what);
  };
  if (n > max_links) fail(std::to_string(n) + " links, at most " + std::to_string(max_links) + " allowed");
  for (size_t j = 0; j < n; ++j) {
    tableint to;
    std::memcpy(&to, list + 4 + 4 * j, 4);
    if (to >= levels.size()) fail("link to slot " + std::to_string(to) + " of " + std::to_string(levels.size()));
    if (to == slot) fail("link to itself");
    if (check_levels && levels[to] < level) fail("link to slot " + std::to_string(to) + " which has no such level");
  }
}

}  // namespace

std::unique_ptr<AnnIndex> AnnIndex::Deserialize(std::string_view bytes, int dim) {
  const AnnHeader h = ReadAnnHeader(bytes, dim);
  AnnParams params;
  if (h.M > static_cast<uint32_t>(kMaxM) || h.ef_construction > (1u << 24) || h.ef_search > (1u << 24)) {
    throw Error("ANN index bytes: corrupt header (parameters out of range)");
  }
  params.M = static_cast<int>(h.M);
  params.ef_construction = static_cast<int>(h.ef_construction);
  params.ef_search = static_cast<int>(h.ef_search);
  params.seed = h.seed;
  CheckParams(dim, params);

  // The sizes hnswlib derives from dim and M (see its constructor).
  const size_t max_m0 = 2 * static_cast<size_t>(h.M);
  const size_t links0_bytes = max_m0 * sizeof(tableint) + sizeof(hnswlib::linklistsizeint);
  const size_t vector_bytes = static_cast<size_t>(dim) * sizeof(float);
  const size_t slot_bytes = links0_bytes + vector_bytes + sizeof(hnswlib::labeltype);
  const size_t upper_bytes = h.M * sizeof(tableint) + sizeof(hnswlib::linklistsizeint);
  ByteReader in(bytes.substr(AnnHeader::kSize));
  const uint64_t count = h.element_count;
  if (count > std::numeric_limits<tableint>::max() || count > in.remaining() / slot_bytes) {
    throw Error("ANN index bytes: element count " + std::to_string(count) + " does not fit the payload");
  }
  const uint32_t entry = in.U32("entry point");
  const int32_t max_level = static_cast<int32_t>(in.U32("max level"));
  const std::string_view layer0 = in.Take(count * slot_bytes, "layer 0");

  // Levels and upper lists first (the layer-0 check needs every slot's level).
  std::vector<int> levels(count);
  std::vector<std::string_view> upper(count);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t level = in.U32("level");
    if (level > static_cast<uint32_t>(kMaxLevel)) throw Error("ANN index bytes: corrupt level " + std::to_string(level) + " at slot " + std::to_string(i));
    levels[i] = static_cast<int>(level);
    upper[i] = in.Take(level * upper_bytes, "upper links");
  }
  if (in.remaining() != 0) throw Error("ANN index bytes: " + std::to_string(in.remaining()) + " unexpected trailing payload bytes");
  if (count == 0) {
    if (entry != std::numeric_limits<tableint>::max() || max_level != -1) throw Error("ANN index bytes: corrupt empty graph");
  } else {
    if (entry >= count) throw Error("ANN index bytes: entry point " + std::to_string(entry) + " out of range");
    if (max_level != levels[entry] || max_level != *std::max_element(levels.begin(), levels.end())) {
      throw Error("ANN index bytes: corrupt graph (entry point is not on the top level)");
    }
  }
  std::unordered_set<hnswlib::labeltype> labels;
  labels.reserve(count);
  size_t removed = 0;
  for (size_t i = 0; i < count; ++i) {
    const char* slot = layer0.data() + i * slot_bytes;
    const auto flags = static_cast<unsigned char>(slot[2]);
    if (flags > Graph::DELETE_MARK || slot[3] != 0) throw Error("ANN index bytes: corrupt flags at slot " + std::to_string(i));
    removed += flags;
    CheckLinks(slot, max_m0, i, 0, levels, false);
    float v[1];
    for (int j = 0; j < dim; ++j) {
      std::memcpy(v, slot + links0_bytes + 4 * j, 4);
      if (!std::isfinite(v[0])) throw Error("ANN index bytes: non-finite vector value at slot " + std::to_string(i));
    }
    hnswlib::labeltype label;
    std::memcpy(&label, slot + links0_bytes + vector_bytes, sizeof label);
    if (!labels.insert(label).second) throw Error("ANN index bytes: id " + std::to_string(Id(label)) + " appears twice");
    for (int level = 1; level <= levels[i]; ++level) {
      CheckLinks(upper[i].data() + (level - 1) * upper_bytes, h.M, i, level, levels, true);
    }
  }

  // All checked: fill a fresh graph with the same layout.
  auto index = std::unique_ptr<AnnIndex>(new AnnIndex(dim, params));
  Impl& impl = *index->impl_;
  impl.graph = std::make_unique<Graph>(&impl.space, std::max<size_t>(count, kInitialCapacity), params.M,
                                       params.ef_construction, params.seed + count);
  Graph& g = *impl.graph;
  if (g.size_data_per_element_ != slot_bytes || g.size_links_per_element_ != upper_bytes) {
    throw Error("ANN index: hnswlib layout differs from the serialised one");  // a different hnswlib build
  }
  if (count > 0) std::memcpy(g.data_level0_memory_, layer0.data(), layer0.size());
  for (size_t i = 0; i < count; ++i) {
    g.element_levels_[i] = levels[i];
    g.linkLists_[i] = nullptr;
    if (levels[i] > 0) {
      // hnswlib frees these with free(): allocate them with malloc, as it does.
      g.linkLists_[i] = static_cast<char*>(std::malloc(upper[i].size() + 1));
      if (!g.linkLists_[i]) throw std::bad_alloc();
      std::memcpy(g.linkLists_[i], upper[i].data(), upper[i].size());
    }
    g.cur_element_count = i + 1;  // keeps the destructor's free() loop right if we throw
    g.label_lookup_[g.getExternalLabel(static_cast<tableint>(i))] = static_cast<tableint>(i);
  }
  g.enterpoint_node_ = entry;
  g.maxlevel_ = max_level;
  g.num_deleted_ = removed;
  impl.live = count - removed;
  return index;
}

}  // namespace gembed::index
