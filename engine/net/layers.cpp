#include "engine/net/layers.h"

#include <algorithm>

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"
#include "engine/net/row_norm.h"

namespace sr {

// ---- SparseDenseLayer --------------------------------------------------------------------------
SparseDenseLayer::SparseDenseLayer(std::string name, Var x, Var out, Act act, const Param* w, const Param* b)
    : Layer(std::move(name), {x}, out), act_(act), w_(w), b_(b) {
  add_param(w);
  if (b) add_param(b);
}

void SparseDenseLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.pattern->rows(), nullptr);
  GatherArgs g;
  g.a = x.pattern->view_with(x.values);
  g.w = ex.weights(*w_).data(), g.width = w_->cols, g.bias = b_ ? ex.weights(*b_).data() : nullptr, g.act = act_;
  g.y = out.value.data();
  ex.backend().gather(g);
}

void SparseDenseLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  Backend& be = ex.backend();
  activation_backward(be, out.value, out.grad, act_);
  Exec::Gradient& dw = ex.gradient(*w_);
  ScatterArgs s;
  s.a = x.pattern->view(false), s.at = x.pattern->touched_view(), s.vals = x.values;
  s.d = out.grad.data(), s.width = w_->cols, s.dw = dw.g.data(), s.mode = ex.scatter_mode();
  be.scatter(s);
  dw.touched_rows = x.pattern->touched();
  dw.n_touched = x.pattern->n_touched();
  if (b_) col_sum(be, out.rows, w_->cols, out.grad.data(), ex.gradient(*b_).g.data());
}

// ---- DenseLayer ------------------------------------------------------------------------------
DenseLayer::DenseLayer(std::string name, Var x, Var out, Act act, const Param* w, const Param* b, bool x_needs_grad)
    : Layer(std::move(name), {x}, out), act_(act), w_(w), b_(b), x_needs_grad_(x_needs_grad) {
  add_param(w);
  add_param(b);
}

void DenseLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  Backend& be = ex.backend();
  matmul(be, mat(x.value), mat(ex.weights(*w_)), out.value.data());
  bias_act(be, x.rows, w_->cols, out.value.data(), ex.weights(*b_).data(), act_, out.value.data());
}

void DenseLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  Backend& be = ex.backend();
  activation_backward(be, out.value, out.grad, act_);
  matmul(be, mat(x.value).t(), mat(out.grad), ex.gradient(*w_).g.data(), {.accumulate = true});
  col_sum(be, x.rows, w_->cols, out.grad.data(), ex.gradient(*b_).g.data());
  if (x_needs_grad_) matmul(be, mat(out.grad), mat(ex.weights(*w_)).t(), x.grad.data(), {.accumulate = true});
}

// ---- DropoutLayer ----------------------------------------------------------------------------
DropoutLayer::DropoutLayer(std::string name, Var x, Var out, float p, bool x_needs_grad)
    : Layer(std::move(name), {x}, out), p_(p), x_needs_grad_(x_needs_grad) {}

void DropoutLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  if (ex.training() && p_ > 0.0f) {
    const uint64_t s = ex.state().word(*this, seed) = ex.draws().next();
    ex.backend().dropout({.n = x.value.numel(), .p = p_, .seed = s, .x = x.value.data(), .y = out.value.data()});
  } else {
    out.value.copy_from(x.value);
  }
}

void DropoutLayer::backward(Exec& ex) {
  if (!x_needs_grad_) return;
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  Backend& be = ex.backend();
  // The same (seed, index) draws give the same mask: dX += mask ⊙ dY / (1 - p).
  if (p_ > 0.0f) {
    const uint64_t s = ex.state().word(*this, seed);
    be.dropout({.n = out.grad.numel(), .p = p_, .seed = s, .x = out.grad.data(), .y = out.grad.data()});
  }
  add_scaled(be, x.grad.numel(), 1.0f, out.grad.data(), x.grad.data());
}

// ---- CorruptLayer ----------------------------------------------------------------------------
CorruptLayer::CorruptLayer(std::string name, Var x, Var out, float p) : Layer(std::move(name), {x}, out), p_(p) {}

void CorruptLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  if (!ex.training() || p_ <= 0.0f) {
    Exec::Slot& out = ex.slot(output());
    out.pattern = x.pattern, out.rows = x.rows, out.values = x.values;
    return;
  }
  Exec::Slot& out = ex.prepare(output(), x.rows, x.pattern);
  const int64_t nnz = x.pattern->nnz();
  // Implicit (all-ones) input: corrupt a vector of ones.
  const float* values = x.values ? x.values : ex.constants().ones(nnz).data();
  ex.backend().dropout({.n = nnz, .p = p_, .seed = ex.draws().next(), .x = values, .y = out.value.data()});
  out.values = out.value.data();
}

// ---- SparseOutputLayer -------------------------------------------------------------------------
SparseOutputLayer::SparseOutputLayer(std::string name, Var h, Var pattern, Var out, Act act, const Param* v,
                                     const Param* c, bool h_needs_grad)
    : Layer(std::move(name), {h, pattern}, out), act_(act), v_(v), c_(c), h_needs_grad_(h_needs_grad) {
  add_param(v);
  add_param(c);
}

void SparseOutputLayer::forward(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  const SparseBatch* p = ex.pattern_for(output());
  SR_CHECK(p->rows() == h.rows, "layer '", name(), "': pattern has ", p->rows(), " rows, input has ", h.rows);
  Exec::Slot& out = ex.prepare(output(), h.rows, p);
  Backend& be = ex.backend();
  const Tensor& v = ex.weights(*v_);
  const Tensor& c = ex.weights(*c_);
  if (const int64_t n = p->block_cols()) {  // rows share one list of columns: gather its rows of V, c and a GEMM
    const int64_t hidden = v_->cols;
    Tensor& vc = ex.state().scratch(*this, block_v, n, hidden);
    Tensor& cc = ex.state().scratch(*this, block_c, n, 1);
    GatherArgs g;
    g.a = p->block_row(), g.w = v.data(), g.width = hidden, g.y = vc.data();
    be.gather(g);
    g.w = c.data(), g.width = 1, g.y = cc.data();
    be.gather(g);
    matmul(be, mat(h.value), mat(vc).t(), out.value.data());
    bias_act(be, h.rows, n, out.value.data(), cc.data(), act_, out.value.data());
  } else {
    SampledDotArgs s;
    s.pattern = p->view(false), s.h = h.value.data(), s.v = v.data(), s.width = v_->cols;
    s.c = c.data(), s.act = act_, s.z = out.value.data();
    be.sampled_dot(s);
  }
  out.values = out.value.data();
}

void SparseOutputLayer::backward(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  Backend& be = ex.backend();
  const SparseBatch* p = out.pattern;
  activation_backward(be, out.value, out.grad, act_);
  const float* dz = out.grad.data();
  Exec::Gradient& dv = ex.gradient(*v_);
  Exec::Gradient& dc = ex.gradient(*c_);
  if (const int64_t n = p->block_cols()) {  // dz is rows x n: GEMMs, then the n rows scattered into V and c
    const int64_t hidden = v_->cols;
    const Tensor& vc = ex.state().scratch(*this, block_v, n, hidden);
    Tensor& dvc = ex.state().scratch(*this, block_dv, n, hidden);
    Tensor& dcc = ex.state().scratch(*this, block_dc, n, 1);
    if (h_needs_grad_) matmul(be, mat(dz, h.rows, n), mat(vc), h.grad.data(), {.accumulate = true});
    matmul(be, mat(dz, h.rows, n).t(), mat(h.value), dvc.data());
    col_sum(be, h.rows, n, dz, dcc.data(), false);
    ScatterArgs s;  // dV[col_l, :] += dvc[l, :]; dc[col_l] += dcc[l]
    s.a = p->block_row(), s.at = p->block_touched_view(), s.d = dvc.data(), s.width = hidden, s.dw = dv.g.data();
    s.mode = ex.scatter_mode();
    be.scatter(s);
    s.d = dcc.data(), s.width = 1, s.dw = dc.g.data();
    be.scatter(s);
    dv.touched_rows = dc.touched_rows = p->block_touched_view().touched;
    dv.n_touched = dc.n_touched = p->block_touched_view().n_touched;
    return;
  }
  if (h_needs_grad_) {
    GatherArgs g;  // dh[row, :] += Σ_k dz_k · V[col_k, :]
    g.a = p->view_with(dz), g.w = ex.weights(*v_).data(), g.width = v_->cols, g.accumulate = true, g.y = h.grad.data();
    be.gather(g);
  }
  ScatterArgs s;  // dV[col, :] += Σ_k dz_k · h[row_k, :]
  s.a = p->view(false), s.at = p->touched_view(), s.vals = dz, s.d = h.value.data(), s.width = v_->cols;
  s.dw = dv.g.data(), s.mode = ex.scatter_mode();
  be.scatter(s);
  s.d = ex.constants().ones(h.rows).data(), s.width = 1, s.dw = dc.g.data();  // dc[col] += Σ_k dz_k
  be.scatter(s);
  dv.touched_rows = dc.touched_rows = p->touched();
  dv.n_touched = dc.n_touched = p->n_touched();
}

Tensor SparseOutputLayer::all_scores(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  const int64_t width = v_->rows;
  Backend& be = ex.backend();
  Tensor y(be, h.rows, width);
  matmul(be, mat(h.value), mat(ex.weights(*v_)).t(), y.data());
  bias_act(be, h.rows, width, y.data(), ex.weights(*c_).data(), act_, y.data());
  return y;
}

Tensor SparseOutputLayer::column_scores(Exec& ex, const Tensor& h_all, const IndexArray& columns,
                                        bool columns_as_rows) {
  Backend& be = ex.backend();
  const int64_t n = columns.numel(), hidden = v_->cols;
  // One nonzero per row, value 1: the gather primitive as an embedding lookup of V's and c's rows.
  const CsrView lookup{ex.constants().arange(n).data(), columns.data(), nullptr, n, v_->rows, n};
  Tensor v_rows(be, n, hidden), c_rows(be, n, 1);
  GatherArgs g;
  g.a = lookup, g.w = ex.weights(*v_).data(), g.width = hidden, g.y = v_rows.data();
  be.gather(g);
  g.w = ex.weights(*c_).data(), g.width = 1, g.y = c_rows.data();
  be.gather(g);
  if (columns_as_rows) {  // s = V_cols h_allᵀ + c ⊗ 1: the columns' biases by a rank-1 update
    Tensor s(be, n, h_all.rows());
    matmul(be, mat(v_rows), mat(h_all).t(), s.data());
    const Tensor& ones = ex.constants().ones(h_all.rows());
    matmul(be, mat(c_rows), mat(ones.data(), 1, h_all.rows()), s.data(), {1.0f, true});
    bias_act(be, n, h_all.rows(), s.data(), nullptr, act_, s.data());
    return s;
  }
  Tensor s(be, h_all.rows(), n);
  matmul(be, mat(h_all), mat(v_rows).t(), s.data());
  bias_act(be, h_all.rows(), n, s.data(), c_rows.data(), act_, s.data());
  return s;
}

// ---- TiedOutputLayer ---------------------------------------------------------------------------
TiedOutputLayer::TiedOutputLayer(std::string name, Var x, Var out, const Param* table, const Param* bias,
                                 bool x_needs_grad, float cosine_scale)
    : Layer(std::move(name), {x}, out),
      table_(table),
      bias_(bias),
      x_needs_grad_(x_needs_grad),
      cosine_scale_(cosine_scale) {
  if (bias) add_param(bias);  // the table is the embedding layer's parameter
}

void TiedOutputLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  const int64_t n = table_->rows, d = table_->cols, b = x.rows;
  const float* xs = x.value.data();
  const float* ws = ex.weights(*table_).data();
  float scale = 1.0f;
  if (cosine_scale_ > 0.0f) {
    LayerState& st = ex.state();
    Tensor& xu = st.scratch(*this, x_unit, b, d);
    Tensor& wu = st.scratch(*this, w_unit, n, d);
    normalize_rows(ex, xs, b, d, xu.data(), st.scratch(*this, x_inv, b, 1).data());
    normalize_rows(ex, ws, n, d, wu.data(), st.scratch(*this, w_inv, n, 1).data());
    xs = xu.data(), ws = wu.data(), scale = cosine_scale_;
  }
  matmul(ex.backend(), mat(xs, b, d), mat(ws, n, d).t(), out.value.data(), {.scale = scale});
  if (bias_) bias_act(ex.backend(), b, n, out.value.data(), ex.weights(*bias_).data(), Act::identity, out.value.data());
}

void TiedOutputLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t n = table_->rows, d = table_->cols, b = x.rows;
  Backend& be = ex.backend();
  float* dtable = ex.gradient(*table_).g.data();
  const MatRef dout = mat(out.grad);  // b x n
  if (bias_) col_sum(be, b, n, out.grad.data(), ex.gradient(*bias_).g.data());
  if (cosine_scale_ <= 0.0f) {
    if (x_needs_grad_) matmul(be, dout, mat(ex.weights(*table_)), x.grad.data(), {.accumulate = true});
    matmul(be, dout.t(), mat(x.value), dtable, {.accumulate = true});
    return;
  }
  // Through the cosine: the gradients of the unit rows, then back through each normalization.
  const float s = cosine_scale_;
  LayerState& st = ex.state();
  const Tensor& xu = st.scratch(*this, x_unit, b, d);
  const Tensor& wu = st.scratch(*this, w_unit, n, d);
  const int64_t m = std::max(b, n);
  Tensor& du = st.scratch(*this, d_unit, m, d);
  Tensor& dd = st.scratch(*this, dots, m, 1);
  Tensor& tmp = st.scratch(*this, work, m, d);
  if (x_needs_grad_) {
    matmul(be, dout, mat(wu), du.data(), {.scale = s});
    normalize_rows_backward(ex, xu.data(), st.scratch(*this, x_inv, b, 1).data(), du.data(), b, d, dd.data(),
                            tmp.data(), x.grad.data());
  }
  matmul(be, dout.t(), mat(xu), du.data(), {.scale = s});
  normalize_rows_backward(ex, wu.data(), st.scratch(*this, w_inv, n, 1).data(), du.data(), n, d, dd.data(), tmp.data(),
                          dtable);
}

}  // namespace sr
