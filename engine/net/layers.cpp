#include "engine/net/layers.h"

#include <algorithm>

#include "engine/net/exec.h"
#include "engine/net/row_norm.h"

namespace sr {

namespace {
// dpre = dY ⊙ act'(Y), written over dY (the output's gradient is consumed by its one producer).
void activation_backward(Backend& be, const Tensor& y, Tensor& dy, Act act) {
  if (act == Act::identity) return;
  be.act_backward({y.numel(), y.data(), dy.data(), act, dy.data()});
}
}  // namespace

// ---- SparseDenseLayer --------------------------------------------------------------------------
SparseDenseLayer::SparseDenseLayer(std::string name, Var x, Var out, Act act, Param* w, Param* b)
    : Layer(std::move(name), {x}, out), act_(act), w_(w), b_(b) {
  add_param(w);
  if (b) add_param(b);
}

void SparseDenseLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.pattern->rows(), nullptr);
  GatherArgs g;
  g.a = x.pattern->view_with(x.values);
  g.w = w_->w.data(), g.width = w_->cols, g.bias = b_ ? b_->w.data() : nullptr, g.act = act_, g.y = out.value.data();
  ex.backend().gather(g);
}

void SparseDenseLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  Backend& be = ex.backend();
  activation_backward(be, out.value, out.grad, act_);
  ScatterArgs s;
  s.a = x.pattern->view(false), s.at = x.pattern->touched_view(), s.vals = x.values;
  s.d = out.grad.data(), s.width = w_->cols, s.dw = w_->g.data();
  be.scatter(s, ex.scatter_mode());
  w_->touched_rows = x.pattern->touched();
  w_->n_touched = x.pattern->n_touched();
  if (b_) be.col_sum({out.rows, w_->cols, out.grad.data(), 1.0f, b_->g.data()});
}

// ---- DenseLayer ------------------------------------------------------------------------------
DenseLayer::DenseLayer(std::string name, Var x, Var out, Act act, Param* w, Param* b, bool x_needs_grad)
    : Layer(std::move(name), {x}, out), act_(act), w_(w), b_(b), x_needs_grad_(x_needs_grad) {
  add_param(w);
  add_param(b);
}

void DenseLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  const int64_t in = w_->rows, units = w_->cols;
  Backend& be = ex.backend();
  be.gemm({false, false, x.rows, units, in, 1.0f, 0.0f, x.value.data(), in, w_->w.data(), units, out.value.data(), units});
  be.bias_act({x.rows, units, out.value.data(), b_->w.data(), act_, out.value.data()});
}

void DenseLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  Backend& be = ex.backend();
  const int64_t in = w_->rows, units = w_->cols;
  activation_backward(be, out.value, out.grad, act_);
  be.gemm({true, false, in, units, x.rows, 1.0f, 1.0f, x.value.data(), in, out.grad.data(), units, w_->g.data(), units});
  be.col_sum({x.rows, units, out.grad.data(), 1.0f, b_->g.data()});
  if (x_needs_grad_)
    be.gemm({false, true, x.rows, in, units, 1.0f, 1.0f, out.grad.data(), units, w_->w.data(), units, x.grad.data(), in});
}

// ---- DropoutLayer ----------------------------------------------------------------------------
DropoutLayer::DropoutLayer(std::string name, Var x, Var out, float p, bool x_needs_grad)
    : Layer(std::move(name), {x}, out), p_(p), x_needs_grad_(x_needs_grad) {}

void DropoutLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  if (ex.training() && p_ > 0.0f) {
    seed_ = ex.draw_seed();
    ex.backend().dropout({x.value.numel(), p_, seed_, 0, x.value.data(), out.value.data()});
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
  if (p_ > 0.0f) be.dropout({out.grad.numel(), p_, seed_, 0, out.grad.data(), out.grad.data()});
  be.axpby({x.grad.numel(), 1.0f, out.grad.data(), 1.0f, x.grad.data()});
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
  if (x.values) {
    ex.backend().dropout({nnz, p_, ex.draw_seed(), 0, x.values, out.value.data()});
  } else {  // implicit (all-ones) input: corrupt a vector of ones
    ex.backend().dropout({nnz, p_, ex.draw_seed(), 0, ex.ones(nnz).data(), out.value.data()});
  }
  out.values = out.value.data();
}

// ---- SparseOutputLayer -------------------------------------------------------------------------
SparseOutputLayer::SparseOutputLayer(std::string name, Var h, Var pattern, Var out, Act act, Param* v, Param* c,
                                     bool h_needs_grad)
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
  if (const int64_t n = p->block_cols()) {  // rows share one list of columns: gather its rows of V, c and a GEMM
    const int64_t hidden = v_->cols;
    Tensor& vc = ex.scratch(*this, block_v, n, hidden);
    Tensor& cc = ex.scratch(*this, block_c, n, 1);
    GatherArgs g;
    g.a = p->block_row(), g.w = v_->w.data(), g.width = hidden, g.y = vc.data();
    be.gather(g);
    g.w = c_->w.data(), g.width = 1, g.y = cc.data();
    be.gather(g);
    be.gemm({false, true, h.rows, n, hidden, 1.0f, 0.0f, h.value.data(), hidden, vc.data(), hidden, out.value.data(), n});
    be.bias_act({h.rows, n, out.value.data(), cc.data(), act_, out.value.data()});
  } else {
    SampledDotArgs s;
    s.pattern = p->view(false), s.h = h.value.data(), s.v = v_->w.data(), s.width = v_->cols;
    s.c = c_->w.data(), s.act = act_, s.z = out.value.data();
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
  if (const int64_t n = p->block_cols()) {  // dz is rows x n: GEMMs, then the n rows scattered into V and c
    const int64_t hidden = v_->cols;
    const Tensor& vc = ex.scratch(*this, block_v, n, hidden);
    Tensor& dvc = ex.scratch(*this, block_dv, n, hidden);
    Tensor& dcc = ex.scratch(*this, block_dc, n, 1);
    if (h_needs_grad_) be.gemm({false, false, h.rows, hidden, n, 1.0f, 1.0f, dz, n, vc.data(), hidden, h.grad.data(), hidden});
    be.gemm({true, false, n, hidden, h.rows, 1.0f, 0.0f, dz, n, h.value.data(), hidden, dvc.data(), hidden});
    be.col_sum({h.rows, n, dz, 0.0f, dcc.data()});
    ScatterArgs s;  // dV[col_l, :] += dvc[l, :]; dc[col_l] += dcc[l]
    s.a = p->block_row(), s.at = p->block_touched_view(), s.d = dvc.data(), s.width = hidden, s.dw = v_->g.data();
    be.scatter(s, ex.scatter_mode());
    s.d = dcc.data(), s.width = 1, s.dw = c_->g.data();
    be.scatter(s, ex.scatter_mode());
    v_->touched_rows = c_->touched_rows = p->block_touched_view().touched;
    v_->n_touched = c_->n_touched = p->block_touched_view().n_touched;
    return;
  }
  if (h_needs_grad_) {
    GatherArgs g;  // dh[row, :] += Σ_k dz_k · V[col_k, :]
    g.a = p->view_with(dz), g.w = v_->w.data(), g.width = v_->cols, g.accumulate = true, g.y = h.grad.data();
    be.gather(g);
  }
  ScatterArgs s;  // dV[col, :] += Σ_k dz_k · h[row_k, :]
  s.a = p->view(false), s.at = p->touched_view(), s.vals = dz, s.d = h.value.data(), s.width = v_->cols, s.dw = v_->g.data();
  be.scatter(s, ex.scatter_mode());
  s.d = ex.ones(h.rows).data(), s.width = 1, s.dw = c_->g.data();  // dc[col] += Σ_k dz_k
  be.scatter(s, ex.scatter_mode());
  v_->touched_rows = c_->touched_rows = p->touched();
  v_->n_touched = c_->n_touched = p->n_touched();
}

Tensor SparseOutputLayer::dense_scores(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  const int64_t width = v_->rows, hidden = v_->cols;
  Tensor y(ex.backend(), h.rows, width);
  Backend& be = ex.backend();
  be.gemm({false, true, h.rows, width, hidden, 1.0f, 0.0f, h.value.data(), hidden, v_->w.data(), hidden, y.data(), width});
  be.bias_act({h.rows, width, y.data(), c_->w.data(), act_, y.data()});
  return y;
}

}  // namespace sr

namespace sr {

Tensor SparseOutputLayer::column_scores(Exec& ex, const Tensor& h_all, const IndexArray& columns) {
  Backend& be = ex.backend();
  const int64_t n = columns.numel(), hidden = v_->cols;
  // One nonzero per row, value 1: the gather primitive as an embedding lookup of V's and c's rows.
  std::vector<int32_t> ptr(static_cast<size_t>(n) + 1);
  for (int64_t i = 0; i <= n; ++i) ptr[i] = static_cast<int32_t>(i);
  const IndexArray row_ptr = IndexArray::from_host(be, ptr);
  const CsrView lookup{row_ptr.data(), columns.data(), nullptr, n, v_->rows, n};
  Tensor v_rows(be, n, hidden), c_rows(be, n, 1);
  GatherArgs g;
  g.a = lookup, g.w = v_->w.data(), g.width = hidden, g.y = v_rows.data();
  be.gather(g);
  g.w = c_->w.data(), g.width = 1, g.y = c_rows.data();
  be.gather(g);
  Tensor s(be, h_all.rows(), n);
  be.gemm({false, true, h_all.rows(), n, hidden, 1.0f, 0.0f, h_all.data(), hidden, v_rows.data(), hidden, s.data(), n});
  be.bias_act({h_all.rows(), n, s.data(), c_rows.data(), act_, s.data()});
  return s;
}

}  // namespace sr

namespace sr {

// ---- TiedOutputLayer ---------------------------------------------------------------------------
TiedOutputLayer::TiedOutputLayer(std::string name, Var x, Var out, Param* table, Param* bias, bool x_needs_grad,
                                 float cosine_scale)
    : Layer(std::move(name), {x}, out), table_(table), bias_(bias), x_needs_grad_(x_needs_grad),
      cosine_scale_(cosine_scale) {
  if (bias) add_param(bias);  // the table is the embedding layer's parameter
}

void TiedOutputLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  const int64_t n = table_->rows, d = table_->cols, b = x.rows;
  const float* xs = x.value.data();
  const float* ws = table_->w.data();
  float scale = 1.0f;
  if (cosine_scale_ > 0.0f) {
    Tensor& xu = ex.scratch(*this, x_unit, b, d);
    Tensor& wu = ex.scratch(*this, w_unit, n, d);
    normalize_rows(ex, xs, b, d, xu.data(), ex.scratch(*this, x_inv, b, 1).data());
    normalize_rows(ex, ws, n, d, wu.data(), ex.scratch(*this, w_inv, n, 1).data());
    xs = xu.data(), ws = wu.data(), scale = cosine_scale_;
  }
  ex.backend().gemm({false, true, b, n, d, scale, 0.0f, xs, d, ws, d, out.value.data(), n});
  if (bias_) ex.backend().bias_act({b, n, out.value.data(), bias_->w.data(), Act::identity, out.value.data()});
}

void TiedOutputLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t n = table_->rows, d = table_->cols, b = x.rows;
  Backend& be = ex.backend();
  if (bias_) be.col_sum({b, n, out.grad.data(), 1.0f, bias_->g.data()});
  if (cosine_scale_ <= 0.0f) {
    if (x_needs_grad_) be.gemm({false, false, b, d, n, 1.0f, 1.0f, out.grad.data(), n, table_->w.data(), d, x.grad.data(), d});
    be.gemm({true, false, n, d, b, 1.0f, 1.0f, out.grad.data(), n, x.value.data(), d, table_->g.data(), d});
    return;
  }
  // Through the cosine: the gradients of the unit rows, then back through each normalization.
  const float s = cosine_scale_;
  const Tensor& xu = ex.scratch(*this, x_unit, b, d);
  const Tensor& wu = ex.scratch(*this, w_unit, n, d);
  const int64_t m = std::max(b, n);
  Tensor& du = ex.scratch(*this, d_unit, m, d);
  Tensor& dd = ex.scratch(*this, dots, m, 1);
  Tensor& tmp = ex.scratch(*this, work, m, d);
  if (x_needs_grad_) {
    be.gemm({false, false, b, d, n, s, 0.0f, out.grad.data(), n, wu.data(), d, du.data(), d});
    normalize_rows_backward(ex, xu.data(), ex.scratch(*this, x_inv, b, 1).data(), du.data(), b, d, dd.data(), tmp.data(),
                            x.grad.data());
  }
  be.gemm({true, false, n, d, b, s, 0.0f, out.grad.data(), n, xu.data(), d, du.data(), d});
  normalize_rows_backward(ex, wu.data(), ex.scratch(*this, w_inv, n, 1).data(), du.data(), n, d, dd.data(), tmp.data(),
                          table_->g.data());
}

}  // namespace sr
