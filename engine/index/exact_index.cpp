#include "engine/index/exact_index.h"

#include <algorithm>
#include <cmath>

#include "engine/net/dense_ops.h"
#include "kernels/error.h"

namespace sr {

namespace {
constexpr int64_t kScoreBlockFloats = int64_t{1} << 24;  // 64 MB of scores per GEMM block
constexpr int64_t kQueryBlock = 1024;

bool better(const Scored& a, const Scored& b) { return a.score > b.score || (a.score == b.score && a.item < b.item); }
}  // namespace

Metric parse_metric(const std::string& name) {
  if (name == "ip") return Metric::inner_product;
  if (name == "cosine") return Metric::cosine;
  throw error("metric must be ip (inner product) or cosine, got '", name, "'");
}

const char* metric_name(Metric m) { return m == Metric::cosine ? "cosine" : "ip"; }

void merge_topk(std::vector<Scored>& best, const std::vector<Scored>& more, int k) {
  best.insert(best.end(), more.begin(), more.end());
  const size_t keep = std::min(best.size(), static_cast<size_t>(k));
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(keep), best.end(), better);
  best.resize(keep);
}

void normalize_rows(std::vector<float>& values, int64_t n, int64_t dim, const char* what) {
  for (int64_t r = 0; r < n; ++r) {
    float* v = values.data() + r * dim;
    double norm = 0.0;
    for (int64_t j = 0; j < dim; ++j) {
      if (!std::isfinite(v[j])) throw error(what, " ", r, " holds a non-finite value at column ", j);
      norm += static_cast<double>(v[j]) * v[j];
    }
    if (norm == 0.0) continue;
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (int64_t j = 0; j < dim; ++j) v[j] *= inv;
  }
}

void check_finite(const std::vector<float>& values, int64_t dim, const char* what) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw error(what, " ", static_cast<int64_t>(i) / dim, " holds a non-finite value at column ",
                  static_cast<int64_t>(i) % dim);
}

ExactIndex::ExactIndex(Backend& be, int64_t n, int64_t dim, std::vector<float> values, Metric metric, bool unit_rows)
    : be_(be), n_(n), dim_(dim), metric_(metric), host_(std::move(values)) {
  if (n < 1 || dim < 1 || static_cast<int64_t>(host_.size()) != n * dim)
    throw error("an index needs n x dim values (n, dim >= 1): got ", host_.size(), " values for ", n, " x ", dim);
  if (metric == Metric::cosine && !unit_rows)
    normalize_rows(host_, n, dim, "vector");
  else
    check_finite(host_, dim, "vector");
  rows_ = Tensor::from_host(be, host_, n, dim);
}

std::vector<std::vector<Scored>> ExactIndex::search(std::vector<float> queries, int k,
                                                    const std::vector<int32_t>* exclude) const {
  if (k < 1) throw error("top-K needs k >= 1, got ", k);
  if (queries.size() % static_cast<size_t>(dim_) != 0)
    throw error("queries of ", queries.size(), " values are not rows of the index's dimension ", dim_);
  const auto nq = static_cast<int64_t>(queries.size()) / dim_;
  if (exclude && static_cast<int64_t>(exclude->size()) != nq)
    throw error("one excluded row per query: ", exclude->size(), " for ", nq, " queries");
  if (metric_ == Metric::cosine) normalize_rows(queries, nq, dim_, "query");
  std::vector<std::vector<Scored>> best(static_cast<size_t>(nq));
  // Blocks of queries x rows whose scores fit kScoreBlockFloats.
  const int64_t qb = std::min<int64_t>(kQueryBlock, std::max<int64_t>(nq, 1));
  const int64_t rb = std::clamp<int64_t>(kScoreBlockFloats / qb, 1, n_);
  const int extra = exclude ? 1 : 0;  // one more, so that k remain after the excluded row
  Tensor s(be_, qb, rb);              // one score block for every pass: a fresh one each pass cost page faults
  for (int64_t q0 = 0; q0 < nq; q0 += qb) {
    const int64_t qn = std::min(qb, nq - q0);
    const Tensor q = Tensor::from_host(
        be_, std::vector<float>(queries.begin() + q0 * dim_, queries.begin() + (q0 + qn) * dim_), qn, dim_);
    for (int64_t r0 = 0; r0 < n_; r0 += rb) {
      const int64_t rn = std::min(rb, n_ - r0);
      matmul(be_, mat(q), mat(rows_.data() + r0 * dim_, rn, dim_).t(), s.data());
      const int kk = static_cast<int>(std::min<int64_t>(k + extra, rn));
      auto part = select_topk(be_, s, qn, rn, kk);
      for (int64_t i = 0; i < qn; ++i) {
        std::vector<Scored>& p = part[static_cast<size_t>(i)];
        const int32_t skip = exclude ? (*exclude)[static_cast<size_t>(q0 + i)] : -1;
        std::vector<Scored> kept;
        for (Scored c : p) {
          c.item += static_cast<int32_t>(r0);
          if (c.item != skip) kept.push_back(c);
        }
        merge_topk(best[static_cast<size_t>(q0 + i)], kept, k);
      }
    }
  }
  return best;
}

std::vector<std::vector<Scored>> ExactIndex::neighbours(const std::vector<int32_t>& rows, int k) const {
  std::vector<float> q;
  q.reserve(rows.size() * static_cast<size_t>(dim_));
  for (int32_t r : rows) {
    if (r < 0 || r >= n_) throw error("row ", r, " is outside the index's [0, ", n_, ")");
    q.insert(q.end(), host_.begin() + int64_t{r} * dim_, host_.begin() + (int64_t{r} + 1) * dim_);
  }
  return search(std::move(q), k, &rows);
}

}  // namespace sr
