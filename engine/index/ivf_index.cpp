#include "engine/index/ivf_index.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "engine/net/dense_ops.h"
#include "kernels/error.h"

namespace sr {

namespace {
constexpr int64_t kAssignBlock = 16384;  // vectors assigned to centroids per GEMM

// The best centroid of each of the n rows at `rows`, a block at a time (the copy a query takes).
std::vector<int32_t> nearest(const ExactIndex& centroids, const float* rows, int64_t n, int64_t dim) {
  std::vector<int32_t> out(static_cast<size_t>(n));
  for (int64_t b = 0; b < n; b += kAssignBlock) {
    const int64_t m = std::min(kAssignBlock, n - b);
    const auto top = centroids.search(std::vector<float>(rows + b * dim, rows + (b + m) * dim), 1);
    for (int64_t i = 0; i < m; ++i)
      out[static_cast<size_t>(b + i)] = top[static_cast<size_t>(i)].empty() ? 0 : top[static_cast<size_t>(i)][0].item;
  }
  return out;
}
}  // namespace

IvfIndex::IvfIndex(Backend& be, int64_t n, int64_t dim, std::vector<float> values, Metric metric, const IvfOptions& o)
    : be_(be), dim_(dim), metric_(metric) {
  if (n < 1 || dim < 1 || static_cast<int64_t>(values.size()) != n * dim)
    throw error("an index needs n x dim values (n, dim >= 1): got ", values.size(), " values for ", n, " x ", dim);
  if (o.nlist < 1 || o.nlist > n) throw error("nlist must be in [1, ", n, "] (the vectors), got ", o.nlist);
  if (o.iterations < 1) throw error("k-means needs >= 1 iteration, got ", o.iterations);
  if (metric == Metric::cosine)
    normalize_rows(values, n, dim, "vector");
  else
    check_finite(values, dim, "vector");
  // k-means (spherical: centroids renormalized, assignment by inner product) on a sample.
  std::mt19937_64 rng(o.seed);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  const int64_t nt = std::min<int64_t>(n, int64_t{o.nlist} * o.max_train_per_list);
  std::vector<float> train(static_cast<size_t>(nt * dim));
  for (int64_t i = 0; i < nt; ++i)
    std::copy_n(values.begin() + order[static_cast<size_t>(i)] * dim, dim, train.begin() + i * dim);
  const int64_t nlist = o.nlist;
  centroids_.assign(train.begin(), train.begin() + nlist * dim);  // distinct sampled vectors
  normalize_rows(centroids_, nlist, dim, "centroid");
  for (int it = 0; it < o.iterations; ++it) {
    const std::vector<int32_t> a =
        nearest(ExactIndex(be, nlist, dim, centroids_, Metric::inner_product), train.data(), nt, dim);
    std::vector<double> sum(static_cast<size_t>(nlist * dim), 0.0);
    std::vector<int64_t> count(static_cast<size_t>(nlist), 0);
    for (int64_t i = 0; i < nt; ++i) {
      const int64_t l = a[static_cast<size_t>(i)];
      ++count[static_cast<size_t>(l)];
      for (int64_t j = 0; j < dim; ++j)
        sum[static_cast<size_t>(l * dim + j)] += train[static_cast<size_t>(i * dim + j)];
    }
    for (int64_t l = 0; l < nlist; ++l) {
      if (count[static_cast<size_t>(l)] == 0) {  // an empty list takes a random training vector (as FAISS splits)
        const int64_t pick = static_cast<int64_t>(rng() % static_cast<uint64_t>(nt));
        std::copy_n(train.begin() + pick * dim, dim, centroids_.begin() + l * dim);
        continue;
      }
      for (int64_t j = 0; j < dim; ++j)
        centroids_[static_cast<size_t>(l * dim + j)] = static_cast<float>(
            sum[static_cast<size_t>(l * dim + j)] / static_cast<double>(count[static_cast<size_t>(l)]));
    }
    normalize_rows(centroids_, nlist, dim, "centroid");
  }
  // Every vector into its nearest list.
  coarse_ = std::make_unique<ExactIndex>(be, nlist, dim, centroids_, Metric::inner_product);
  const std::vector<int32_t> a = nearest(*coarse_, values.data(), n, dim);
  list_offsets_.assign(static_cast<size_t>(nlist) + 1, 0);
  for (int32_t l : a) ++list_offsets_[static_cast<size_t>(l) + 1];
  std::partial_sum(list_offsets_.begin(), list_offsets_.end(), list_offsets_.begin());
  ids_.resize(static_cast<size_t>(n));
  std::vector<int64_t> fill(list_offsets_.begin(), list_offsets_.end() - 1);
  std::vector<float> lists(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t at = fill[static_cast<size_t>(a[static_cast<size_t>(i)])]++;
    ids_[static_cast<size_t>(at)] = static_cast<int32_t>(i);
    std::copy_n(values.begin() + i * dim, dim, lists.begin() + at * dim);
  }
  upload(lists);
}

IvfIndex::IvfIndex(Backend& be, int64_t dim, Metric metric, std::vector<float> centroids,
                   std::vector<int64_t> list_offsets, std::vector<int32_t> ids, std::vector<float> list_vectors)
    : be_(be),
      dim_(dim),
      metric_(metric),
      centroids_(std::move(centroids)),
      list_offsets_(std::move(list_offsets)),
      ids_(std::move(ids)) {
  const int64_t nlist = static_cast<int64_t>(list_offsets_.size()) - 1, n = static_cast<int64_t>(ids_.size());
  bool ok = dim >= 1 && nlist >= 1 && static_cast<int64_t>(centroids_.size()) == nlist * dim &&
            list_offsets_.front() == 0 && list_offsets_.back() == n &&
            static_cast<int64_t>(list_vectors.size()) == n * dim;
  for (size_t l = 0; ok && l + 1 < list_offsets_.size(); ++l) ok = list_offsets_[l] <= list_offsets_[l + 1];
  for (int32_t id : ids_) ok = ok && id >= 0 && id < n;
  if (!ok) throw error("an IVF index's lists do not fit together (centroids, offsets, ids, vectors)");
  coarse_ = std::make_unique<ExactIndex>(be, nlist, dim, centroids_, Metric::inner_product);
  upload(list_vectors);
}

void IvfIndex::upload(const std::vector<float>& list_vectors) {
  lists_ = Tensor::from_host(be_, list_vectors, static_cast<int64_t>(ids_.size()), dim_);
}

std::vector<std::vector<Scored>> IvfIndex::search(std::vector<float> queries, int k, int nprobe) const {
  if (k < 1) throw error("top-K needs k >= 1, got ", k);
  if (nprobe < 1 || nprobe > nlist()) throw error("nprobe must be in [1, ", nlist(), "] (nlist), got ", nprobe);
  if (queries.size() % static_cast<size_t>(dim_) != 0)
    throw error("queries of ", queries.size(), " values are not rows of the index's dimension ", dim_);
  const auto nq = static_cast<int64_t>(queries.size()) / dim_;
  if (metric_ == Metric::cosine) normalize_rows(queries, nq, dim_, "query");
  std::vector<std::vector<Scored>> best(static_cast<size_t>(nq));
  if (nq == 0) return best;
  // The nprobe best lists of each query, then the queries of each list.
  const std::vector<std::vector<Scored>> probes = coarse_->search(queries, nprobe);
  std::vector<std::vector<int32_t>> by_list(static_cast<size_t>(nlist()));
  for (int64_t q = 0; q < nq; ++q)
    for (const Scored& p : probes[static_cast<size_t>(q)])
      by_list[static_cast<size_t>(p.item)].push_back(static_cast<int32_t>(q));
  for (int64_t l = 0; l < nlist(); ++l) {
    const std::vector<int32_t>& qs = by_list[static_cast<size_t>(l)];
    const int64_t begin = list_offsets_[static_cast<size_t>(l)],
                  size = list_offsets_[static_cast<size_t>(l) + 1] - begin;
    if (qs.empty() || size == 0) continue;
    const auto m = static_cast<int64_t>(qs.size());
    std::vector<float> qv(static_cast<size_t>(m * dim_));
    for (int64_t i = 0; i < m; ++i)
      std::copy_n(queries.begin() + int64_t{qs[static_cast<size_t>(i)]} * dim_, dim_, qv.begin() + i * dim_);
    const Tensor q = Tensor::from_host(be_, qv, m, dim_);
    Tensor s(be_, m, size);
    matmul(be_, mat(q), mat(lists_.data() + begin * dim_, size, dim_).t(), s.data());
    auto part = select_topk(be_, s, m, size, static_cast<int>(std::min<int64_t>(k, size)));
    for (int64_t i = 0; i < m; ++i) {
      for (Scored& c : part[static_cast<size_t>(i)]) c.item = ids_[static_cast<size_t>(begin + c.item)];
      merge_topk(best[static_cast<size_t>(qs[static_cast<size_t>(i)])], part[static_cast<size_t>(i)], k);
    }
  }
  return best;
}

}  // namespace sr
