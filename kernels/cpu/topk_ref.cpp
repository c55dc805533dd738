// CPU reference of batched top-K (kernels/topk.h): the k best selectable columns of each row, in
// order (score descending, then column ascending).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/reference.h"

namespace sr::ref {

// Selection keeps the k best in a heap whose top is the worst of them, so that most columns cost
// one comparison with that worst (a partial sort of every column cost ~log k each, and dominated a
// batch job's time on the CPU). "Better" is a strict total order, so the set is the sort's.
void topk(const TopKArgs& t) {
#pragma omp parallel
  {
    std::vector<char> excluded;
    std::vector<int32_t> heap;
#pragma omp for schedule(dynamic, 4)
    for (int64_t r = 0; r < t.rows; ++r) {
      const int64_t rs = t.row_stride ? t.row_stride : t.cols;
      const float* s = t.scores + r * rs;
      auto score = [&](int32_t c) { return s[c * t.col_stride]; };
      auto better = [&](int32_t a, int32_t b) {
        const float sa = score(a), sb = score(b);
        return sa > sb || (sa == sb && a < b);
      };
      const bool excludes = t.exclude_ptr && t.exclude_ptr[r] < t.exclude_ptr[r + 1];
      if (excludes) {
        excluded.assign(static_cast<size_t>(t.cols), 0);
        for (int32_t e = t.exclude_ptr[r]; e < t.exclude_ptr[r + 1]; ++e) excluded[t.exclude_cols[e]] = 1;
      }
      heap.clear();
      const auto k = static_cast<size_t>(t.k);
      // The worst kept score, in a register: most columns are one comparison with it (ties go to
      // the lower column, which comes first, so a later column ties out).
      float worst = -std::numeric_limits<float>::infinity();
      for (int32_t c = 0; c < t.cols; ++c) {
        const float sc = score(c);
        if (heap.size() == k && !(sc > worst)) continue;
        if ((excludes && excluded[c]) || std::isnan(sc)) continue;
        if (heap.size() < k) {
          heap.push_back(c);
          std::push_heap(heap.begin(), heap.end(), better);  // top: the worst kept
        } else {
          std::pop_heap(heap.begin(), heap.end(), better);
          heap.back() = c;
          std::push_heap(heap.begin(), heap.end(), better);
        }
        if (heap.size() == k) worst = score(heap.front());
      }
      std::sort(heap.begin(), heap.end(), better);
      for (int j = 0; j < t.k; ++j) {
        const bool have = static_cast<size_t>(j) < heap.size();
        t.out_index[r * t.k + j] = have ? heap[j] : -1;
        t.out_score[r * t.k + j] = have ? score(heap[j]) : -std::numeric_limits<float>::infinity();
      }
    }
  }
}

}  // namespace sr::ref
