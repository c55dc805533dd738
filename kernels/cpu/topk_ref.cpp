// CPU reference of batched top-K (kernels/topk.h): collect the selectable columns, sort, cut.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/reference.h"

namespace sr::ref {

void topk(const TopKArgs& t) {
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t r = 0; r < t.rows; ++r) {
    const int64_t rs = t.row_stride ? t.row_stride : t.cols;
    std::vector<float> s(static_cast<size_t>(t.cols));
    for (int64_t c = 0; c < t.cols; ++c) s[c] = t.scores[r * rs + c * t.col_stride];
    std::vector<bool> excluded(static_cast<size_t>(t.cols), false);
    if (t.exclude_ptr)
      for (int32_t e = t.exclude_ptr[r]; e < t.exclude_ptr[r + 1]; ++e) excluded[t.exclude_cols[e]] = true;
    std::vector<int32_t> cand;
    for (int32_t c = 0; c < t.cols; ++c)
      if (!excluded[c] && !std::isnan(s[c])) cand.push_back(c);
    const size_t n = std::min(cand.size(), static_cast<size_t>(t.k));
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(n), cand.end(),
                      [&](int32_t a, int32_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
    for (int j = 0; j < t.k; ++j) {
      const bool have = static_cast<size_t>(j) < n;
      t.out_index[r * t.k + j] = have ? cand[j] : -1;
      t.out_score[r * t.k + j] = have ? s[cand[j]] : -std::numeric_limits<float>::infinity();
    }
  }
}

}  // namespace sr::ref
