#include "engine/eval/rating_eval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/data/rating_levels.h"
#include "engine/net/scoring.h"
#include "kernels/csr.h"
#include "kernels/error.h"

namespace sr {

namespace {
constexpr int64_t kRowsPerEvalBatch = 4096;  // bounds device memory for the hidden layer at scale
}

RatingRange observed_range(const std::vector<float>& ratings) {
  SR_CHECK(!ratings.empty(), "the rating range of no ratings");
  const auto [lo, hi] = std::minmax_element(ratings.begin(), ratings.end());
  return {*lo, *hi};
}

RatingMetrics rating_metrics(const Dataset& d, const Split& s, const HostCsr& train_m, const HostCsr& heldout_m,
                             const std::vector<float>& pred) {
  SR_CHECK(static_cast<int64_t>(pred.size()) == heldout_m.nnz(), pred.size(), " predictions for ", heldout_m.nnz(),
           " ratings");
  const float mean = static_cast<float>(mean_rating(d, s, Part::train));
  const RatingRange range = observed_range(train_m.val);
  std::vector<bool> col_seen(static_cast<size_t>(train_m.cols), false);
  for (int32_t c : train_m.col_idx) col_seen[c] = true;
  RatingMetrics m;
  double se = 0.0, ae = 0.0;
  for (int64_t row = 0; row < heldout_m.rows; ++row) {
    const bool row_seen = train_m.row_ptr[row + 1] > train_m.row_ptr[row];
    for (int32_t k = heldout_m.row_ptr[row]; k < heldout_m.row_ptr[row + 1]; ++k) {
      float p = pred[k];
      if (!row_seen || !col_seen[heldout_m.col_idx[k]]) {
        p = mean;
        ++m.n_fallback;
      }
      p = range.clip(p);
      const double e = static_cast<double>(p) - heldout_m.val[k];
      se += e * e;
      ae += std::fabs(e);
      ++m.n;
    }
  }
  m.rmse = m.n ? std::sqrt(se / static_cast<double>(m.n)) : 0.0;
  m.mae = m.n ? ae / static_cast<double>(m.n) : 0.0;
  return m;
}

RatingMetrics evaluate_ratings(Exec& ex, Var input, Var output, const Dataset& d, const Split& s, Part heldout,
                               RowsAre rows, const RatingScale* levels, const RatingOffsets* offsets) {
  const HostCsr train_m = part_matrix(d, s, Part::train, rows);
  const HostCsr input_m = offsets ? offsets->apply(train_m, rows, -1.0f) : train_m;
  const HostCsr test_m = part_matrix(d, s, heldout, rows);
  std::vector<float> pred;
  pred.reserve(static_cast<size_t>(test_m.nnz()));
  for (int64_t start = 0; start < train_m.rows; start += kRowsPerEvalBatch) {
    const int64_t end = std::min(start + kRowsPerEvalBatch, train_m.rows);
    std::vector<int32_t> ids(static_cast<size_t>(end - start));
    std::iota(ids.begin(), ids.end(), static_cast<int32_t>(start));
    const HostCsr in_h = select_rows(input_m, ids), q_h = select_rows(test_m, ids);
    if (q_h.nnz() == 0) continue;
    const SparseBatch in(ex.backend(), levels ? expand_rating_levels(in_h, *levels, true) : in_h);
    const SparseBatch q(ex.backend(), levels ? expand_rating_levels(q_h, *levels, false) : q_h);
    ex.bind(input, &in);
    ex.query(output, &q);
    ex.forward(false);
    std::vector<float> p = sparse_values(ex, output);
    if (levels) p = expected_ratings(p, *levels);
    if (offsets) {  // q_h's rows are `ids`, in the same order as p
      size_t j = 0;
      for (int64_t r = 0; r < q_h.rows; ++r)
        for (int32_t k = q_h.row_ptr[r]; k < q_h.row_ptr[r + 1]; ++k, ++j)
          p[j] += rows == RowsAre::users ? offsets->at(ids[r], q_h.col_idx[k]) : offsets->at(q_h.col_idx[k], ids[r]);
    }
    ex.clear_queries();
    pred.insert(pred.end(), p.begin(), p.end());
  }
  return rating_metrics(d, s, train_m, test_m, pred);
}

RatingMetrics evaluate_ratings(const RatingPredictor& p, const Dataset& d, const Split& s, Part heldout) {
  const HostCsr train_m = part_matrix(d, s, Part::train, RowsAre::users);
  const HostCsr test_m = part_matrix(d, s, heldout, RowsAre::users);
  std::vector<float> pred;
  pred.reserve(static_cast<size_t>(test_m.nnz()));
  for (int64_t u = 0; u < test_m.rows; ++u)
    for (int32_t k = test_m.row_ptr[u]; k < test_m.row_ptr[u + 1]; ++k)
      pred.push_back(p.predict(static_cast<int32_t>(u), test_m.col_idx[k]));
  return rating_metrics(d, s, train_m, test_m, pred);
}

}  // namespace sr
