// One call for the elementwise op (kernels/dense.h ElementwiseArgs) as layers and training steps
// use it: y (+)= alpha · f(a, b) over rows x cols blocks with the given row strides.
#pragma once

#include "engine/backend.h"

namespace sr {

inline void elementwise(Backend& be, EwKind kind, int64_t rows, int64_t cols, const float* a, int64_t lda,
                        const float* b, int64_t ldb, float* y, int64_t ldy, float alpha = 1.0f, bool accumulate = false,
                        uint64_t seed = 0) {
  ElementwiseArgs e;
  e.kind = kind, e.rows = rows, e.cols = cols, e.a = a, e.lda = lda, e.b = b, e.ldb = ldb, e.y = y, e.ldy = ldy;
  e.alpha = alpha, e.accumulate = accumulate, e.seed = seed;
  be.elementwise(e);
}

// The same over a vector of n elements (one row).
inline void elementwise(Backend& be, EwKind kind, int64_t n, const float* a, float* y, float alpha = 1.0f,
                        bool accumulate = false, uint64_t seed = 0) {
  elementwise(be, kind, n > 0 ? 1 : 0, n, a, n, nullptr, 0, y, n, alpha, accumulate, seed);
}

}  // namespace sr
