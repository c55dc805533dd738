#include "engine/data/rating_offsets.h"

#include "kernels/error.h"

namespace sr {

RatingOffsets RatingOffsets::fit(const HostCsr& m, double lambda_user, double lambda_item) {
  if (m.nnz() == 0) throw error("the biases of no ratings: the training part has none");
  double total = 0.0;
  for (float v : m.val) total += v;
  const double mu = total / static_cast<double>(m.nnz());
  RatingOffsets o;
  o.mean = static_cast<float>(mu);
  o.user.assign(static_cast<size_t>(m.rows), 0.0f);
  o.item.assign(static_cast<size_t>(m.cols), 0.0f);
  std::vector<double> sum(static_cast<size_t>(m.cols), 0.0), count(static_cast<size_t>(m.cols), 0.0);
  for (int32_t k = 0; k < m.row_ptr[m.rows]; ++k) {
    sum[m.col_idx[k]] += m.val[k] - mu;
    count[m.col_idx[k]] += 1.0;
  }
  for (size_t i = 0; i < o.item.size(); ++i) o.item[i] = static_cast<float>(sum[i] / (lambda_item + count[i]));
  for (int64_t u = 0; u < m.rows; ++u) {
    double s = 0.0;
    for (int32_t k = m.row_ptr[u]; k < m.row_ptr[u + 1]; ++k) s += m.val[k] - mu - o.item[m.col_idx[k]];
    o.user[u] = static_cast<float>(s / (lambda_user + (m.row_ptr[u + 1] - m.row_ptr[u])));
  }
  return o;
}

HostCsr RatingOffsets::apply(HostCsr m, RowsAre rows, float sign) const {
  const bool by_user = rows == RowsAre::users;
  SR_CHECK(m.rows == static_cast<int64_t>(by_user ? user.size() : item.size()) &&
               m.cols == static_cast<int64_t>(by_user ? item.size() : user.size()),
           "rating offsets of ", user.size(), " users x ", item.size(), " items for a ", m.rows, " x ", m.cols,
           " matrix");
  for (int64_t r = 0; r < m.rows; ++r)
    for (int32_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k) {
      const auto row = static_cast<int32_t>(r), col = m.col_idx[k];
      m.val[k] += sign * (by_user ? at(row, col) : at(col, row));
    }
  return m;
}

}  // namespace sr
