#include "engine/data/rating_levels.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "kernels/error.h"

namespace sr {

namespace {
// How far from a level a rating may lie and still be on it: ratings stored as float from text
// such as "3.5" are exact, but a scale's step can itself be inexact (0.1).
constexpr float kOnGrid = 1e-3f;
}  // namespace

int RatingScale::level(float r, const std::string& where) const {
  const float k = std::round((r - lo) / step);
  if (!(k >= 0.0f && k < static_cast<float>(levels) && std::fabs(r - value(static_cast<int>(k))) <= kOnGrid * step))
    throw error("rating levels: rating ", r, " (", where, ") is not on the scale ", describe(),
                " (set levels=, rating_min= and rating_step= to the data's scale)");
  return static_cast<int>(k);
}

std::string RatingScale::describe() const {
  std::ostringstream os;
  os << lo << ".." << value(levels - 1) << " in steps of " << step << " (" << levels << " levels)";
  return os.str();
}

RatingScale rating_scale_of(const std::vector<float>& ratings, int max_levels) {
  if (ratings.empty()) throw error("rating levels: no ratings to take the scale from");
  std::vector<float> v = ratings;
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  if (!std::isfinite(v.front()) || !std::isfinite(v.back())) throw error("rating levels: a rating is not finite");
  if (v.size() < 2) throw error("rating levels: every rating is ", v[0], "; softmax levels need two distinct ratings");
  float step = v[1] - v[0];
  for (size_t i = 2; i < v.size(); ++i) step = std::min(step, v[i] - v[i - 1]);
  const double span = (static_cast<double>(v.back()) - v.front()) / step;
  if (span + 1.0 > max_levels)
    throw error("rating levels: the ratings ", v.front(), "..", v.back(), " in steps of ", step, " need ",
                std::llround(span) + 1, " levels, more than ", max_levels,
                "; set levels=, rating_min= and rating_step= to the data's scale");
  RatingScale s{v.front(), step, static_cast<int>(std::llround(span)) + 1};
  for (float r : v) s.level(r, "a distinct rating of the data");
  return s;
}

HostCsr expand_rating_levels(const HostCsr& m, const RatingScale& scale, bool one_hot) {
  const int levels = scale.levels;
  if (levels < 2) throw error("rating levels: need at least 2, got ", levels);
  if (m.val.size() != static_cast<size_t>(m.nnz())) throw error("rating levels: the matrix has no rating values");
  HostCsr out;
  out.rows = m.rows, out.cols = m.cols * levels;
  out.row_ptr.reserve(m.row_ptr.size());  // starts as {0}
  out.col_idx.reserve(static_cast<size_t>(m.nnz() * levels));
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int32_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k) {
      const int level = scale.level(m.val[k], "row " + std::to_string(r) + ", column " + std::to_string(m.col_idx[k]));
      for (int l = 0; l < levels; ++l) {
        out.col_idx.push_back(m.col_idx[k] * levels + l);
        if (one_hot) out.val.push_back(l == level ? 1.0f : 0.0f);
      }
    }
    SR_CHECK(out.col_idx.size() < static_cast<size_t>(INT32_MAX), "rating levels: more than 2^31 expanded entries");
    out.row_ptr.push_back(static_cast<int32_t>(out.col_idx.size()));
  }
  return out;
}

std::vector<float> expected_ratings(const std::vector<float>& logits, const RatingScale& scale) {
  const int levels = scale.levels;
  SR_CHECK(levels > 0 && logits.size() % static_cast<size_t>(levels) == 0, logits.size(), " logits in groups of ",
           levels);
  std::vector<float> out(logits.size() / static_cast<size_t>(levels));
  for (size_t g = 0; g < out.size(); ++g) {
    const float* z = logits.data() + g * static_cast<size_t>(levels);
    const float m = *std::max_element(z, z + levels);
    double sum = 0.0, weighted = 0.0;
    for (int l = 0; l < levels; ++l) {
      const double e = std::exp(static_cast<double>(z[l] - m));
      sum += e, weighted += e * scale.value(l);
    }
    out[g] = static_cast<float>(weighted / sum);
  }
  return out;
}

}  // namespace sr
