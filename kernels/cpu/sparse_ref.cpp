// CPU reference of gather, scatter and sampled dot (kernels/sparse.h).
#include <algorithm>
#include <vector>

#include "kernels/cpu/reference.h"
#include "kernels/cpu/vectorize.h"

namespace sr::ref {

SR_CPU_HOT void gather(const GatherArgs& g) {
  const CsrView& a = g.a;
#pragma omp parallel if (parallel_worth(a.nnz * g.width))
  {
    // One accumulator per thread, not per row: an allocation per row was a third of the time of
    // a batch of embedding lookups (Prod2vec's 2,048 rows of 100).
    std::vector<float> acc(static_cast<size_t>(g.width));
#pragma omp for schedule(dynamic, 16)
    for (int64_t r = 0; r < a.rows; ++r) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
        const float v = a.val ? a.val[k] : 1.0f;
        const float* wrow = g.w + static_cast<int64_t>(a.col_idx[k]) * g.width;
        for (int64_t c = 0; c < g.width; ++c) acc[c] += v * wrow[c];
      }
      float* y = g.y + (g.out_rows ? g.out_rows[r] : r) * g.width;
      // The epilogue's cases outside the loop (a test per element kept it scalar).
      if (g.accumulate) {
        for (int64_t c = 0; c < g.width; ++c) y[c] += acc[c];
      } else if (g.act == Act::identity && !g.bias) {
        for (int64_t c = 0; c < g.width; ++c) y[c] = acc[c];
      } else {
        for (int64_t c = 0; c < g.width; ++c) y[c] = act_forward(g.act, acc[c] + (g.bias ? g.bias[c] : 0.0f));
      }
    }
  }
}

void scatter(const ScatterArgs& s) {
  const CsrView& a = s.a;
  for (int64_t r = 0; r < a.rows; ++r) {
    for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      const float v = s.vals ? s.vals[k] : 1.0f;
      float* dw = s.dw + static_cast<int64_t>(a.col_idx[k]) * s.width;
      const float* d = s.d + r * s.width;
      for (int64_t c = 0; c < s.width; ++c) dw[c] += v * d[c];
    }
  }
}

SR_CPU_HOT void sampled_dot(const SampledDotArgs& s) {
  const CsrView& p = s.pattern;
#pragma omp parallel for schedule(dynamic, 16) if (parallel_worth(p.nnz * s.width))
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* h = s.h + r * s.width;
    for (int32_t k = p.row_ptr[r]; k < p.row_ptr[r + 1]; ++k) {
      const int64_t col = p.col_idx[k];
      const float* v = s.v + col * s.width;
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int64_t c = 0; c < s.width; ++c) dot += h[c] * v[c];
      s.z[k] = act_forward(s.act, dot + (s.c ? s.c[col] : 0.0f));
    }
  }
}

void densify(const DensifyArgs& d) {
  const CsrView& a = d.a;
#pragma omp parallel for if (parallel_worth(a.rows * a.cols))
  for (int64_t r = 0; r < a.rows; ++r) {
    float* y = d.y + r * d.ldy;
    for (int64_t c = 0; c < a.cols; ++c) y[c] = 0.0f;
    for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) y[a.col_idx[k]] += a.val ? a.val[k] : 1.0f;
  }
}

}  // namespace sr::ref
