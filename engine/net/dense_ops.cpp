#include "engine/net/dense_ops.h"

#include <vector>

#include "kernels/error.h"

namespace sr {

void matmul(Backend& be, MatRef a, MatRef b, float* out, MatmulOptions o) {
  SR_CHECK(a.op_cols() == b.op_rows(), "matmul of ", a.op_rows(), " x ", a.op_cols(), " by ", b.op_rows(), " x ",
           b.op_cols());
  GemmArgs g;
  g.trans_a = a.transposed, g.trans_b = b.transposed;
  g.m = a.op_rows(), g.n = b.op_cols(), g.k = a.op_cols();
  g.alpha = o.scale, g.beta = o.accumulate ? 1.0f : 0.0f;
  g.a = a.data, g.lda = a.cols, g.b = b.data, g.ldb = b.cols, g.c = out, g.ldc = g.n;
  be.gemm(g);
}

void bias_act(Backend& be, int64_t rows, int64_t cols, const float* x, const float* bias, Act act, float* y) {
  be.bias_act({.rows = rows, .cols = cols, .x = x, .bias = bias, .act = act, .y = y});
}

void activation_backward(Backend& be, const Tensor& y, Tensor& dy, Act act) {
  if (act == Act::identity) return;
  be.act_backward({.n = y.numel(), .y = y.data(), .dy = dy.data(), .act = act, .dx = dy.data()});
}

void col_sum(Backend& be, int64_t rows, int64_t cols, const float* x, float* out, bool accumulate) {
  be.col_sum({.rows = rows, .cols = cols, .x = x, .beta = accumulate ? 1.0f : 0.0f, .out = out});
}

void add_scaled(Backend& be, int64_t n, float a, const float* x, float* y) {
  be.axpby({.n = n, .a = a, .x = x, .b = 1.0f, .y = y});
}

void elementwise(Backend& be, EwKind kind, int64_t rows, int64_t cols, Block a, Block b, float* y, int64_t ldy,
                 ElementwiseOptions o) {
  ElementwiseArgs e;
  e.kind = kind, e.rows = rows, e.cols = cols, e.a = a.data, e.lda = a.ld, e.b = b.data, e.ldb = b.ld, e.y = y,
  e.ldy = ldy;
  e.alpha = o.alpha, e.accumulate = o.accumulate, e.seed = o.seed;
  be.elementwise(e);
}

void elementwise(Backend& be, EwKind kind, int64_t n, const float* a, float* y, ElementwiseOptions o) {
  elementwise(be, kind, n > 0 ? 1 : 0, n, {a, n}, {}, y, n, o);
}

void scale_rows(Exec& ex, const float* scale, const float* x, int64_t n, int64_t width, float* y, bool accumulate) {
  if (n == 0) return;
  GatherArgs g;
  g.a = ex.constants().diagonal(n);
  g.a.val = scale;
  g.w = x, g.width = width, g.accumulate = accumulate, g.y = y;
  ex.backend().gather(g);
}

void row_dots(Exec& ex, const float* a, const float* b, int64_t n, int64_t d, float* z) {
  SampledDotArgs s;
  s.pattern = ex.constants().diagonal(n), s.h = a, s.v = b, s.width = d, s.z = z;
  ex.backend().sampled_dot(s);
}

void zero_rows(Exec& ex, Tensor& t, const int32_t* device_rows, int64_t n) {
  if (n == 0) return;
  const int32_t* none = ex.constants().zero_indices(n + 1).data();  // n rows without nonzeros
  GatherArgs g;                                                     // Y[rows[r], :] = Σ over no nonzeros = 0
  g.a = CsrView{none, none, nullptr, n, 1, 0};
  g.w = t.data(), g.width = t.cols(), g.out_rows = device_rows, g.y = t.data();
  ex.backend().gather(g);
}

}  // namespace sr
