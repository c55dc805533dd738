#include "engine/data/rating_levels.h"

#include <algorithm>
#include <cmath>

#include "kernels/error.h"

namespace sr {

HostCsr expand_rating_levels(const HostCsr& m, int levels, bool one_hot) {
  if (levels < 2) throw error("rating levels: need at least 2, got ", levels);
  if (m.val.size() != static_cast<size_t>(m.nnz())) throw error("rating levels: the matrix has no rating values");
  HostCsr out;
  out.rows = m.rows, out.cols = m.cols * levels;
  out.row_ptr.reserve(m.row_ptr.size());  // starts as {0}
  out.col_idx.reserve(static_cast<size_t>(m.nnz() * levels));
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int32_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k) {
      const float v = m.val[k];
      if (!(v >= 1.0f && v <= static_cast<float>(levels) && v == std::floor(v)))
        throw error("rating levels: rating ", v, " (row ", r, ", column ", m.col_idx[k], ") is not an integer in 1..",
                    levels, " (set levels= to the rating scale)");
      for (int l = 0; l < levels; ++l) {
        out.col_idx.push_back(m.col_idx[k] * levels + l);
        if (one_hot) out.val.push_back(l + 1 == static_cast<int>(v) ? 1.0f : 0.0f);
      }
    }
    SR_CHECK(out.col_idx.size() < static_cast<size_t>(INT32_MAX), "rating levels: more than 2^31 expanded entries");
    out.row_ptr.push_back(static_cast<int32_t>(out.col_idx.size()));
  }
  return out;
}

std::vector<float> expected_ratings(const std::vector<float>& logits, int levels) {
  SR_CHECK(levels > 0 && logits.size() % static_cast<size_t>(levels) == 0, logits.size(), " logits in groups of ",
           levels);
  std::vector<float> out(logits.size() / static_cast<size_t>(levels));
  for (size_t g = 0; g < out.size(); ++g) {
    const float* z = logits.data() + g * static_cast<size_t>(levels);
    const float m = *std::max_element(z, z + levels);
    double sum = 0.0, weighted = 0.0;
    for (int l = 0; l < levels; ++l) {
      const double e = std::exp(static_cast<double>(z[l] - m));
      sum += e, weighted += e * (l + 1);
    }
    out[g] = static_cast<float>(weighted / sum);
  }
  return out;
}

}  // namespace sr
