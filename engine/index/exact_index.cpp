#include "engine/index/exact_index.h"

#include <algorithm>
#include <cmath>

#include "kernels/error.h"

namespace sr {

ExactIndex::ExactIndex(int64_t n, int64_t dim, std::vector<float> values)
    : n_(n), dim_(dim), unit_(std::move(values)), zero_(static_cast<size_t>(n), 0) {
  if (n < 0 || dim < 1 || static_cast<int64_t>(unit_.size()) != n * dim)
    throw error("an index needs n x dim values (dim >= 1): got ", unit_.size(), " for ", n, " x ", dim);
  for (int64_t r = 0; r < n; ++r) {
    float* v = unit_.data() + r * dim;
    double norm = 0.0;
    for (int64_t j = 0; j < dim; ++j) {
      if (!std::isfinite(v[j])) throw error("vector ", r, " of the index holds a non-finite value");
      norm += static_cast<double>(v[j]) * v[j];
    }
    if (norm == 0.0) {
      zero_[static_cast<size_t>(r)] = 1;
      continue;
    }
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (int64_t j = 0; j < dim; ++j) v[j] *= inv;
  }
}

std::vector<Scored> ExactIndex::neighbours(int32_t row, int k) const {
  if (row < 0 || row >= n_) throw error("row ", row, " is outside the index's [0, ", n_, ")");
  if (k < 1) throw error("top-K needs k >= 1, got ", k);
  auto better = [](const Scored& a, const Scored& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  };
  std::vector<Scored> heap;  // the k best so far, the worst on top
  heap.reserve(static_cast<size_t>(k) + 1);
  const float* q = unit_.data() + static_cast<int64_t>(row) * dim_;
  for (int64_t r = 0; r < n_; ++r) {
    if (r == row || zero_[static_cast<size_t>(r)]) continue;
    const float* v = unit_.data() + r * dim_;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < dim_; ++j) s += q[j] * v[j];
    const Scored c{static_cast<int32_t>(r), s};
    if (static_cast<int>(heap.size()) < k) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(c, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = c;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort(heap.begin(), heap.end(), better);
  return heap;
}

}  // namespace sr
