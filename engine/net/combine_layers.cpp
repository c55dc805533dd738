#include "engine/net/combine_layers.h"

#include <vector>

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"
#include "kernels/sparse_batch.h"

namespace sr {

// ---- ConcatLayer -----------------------------------------------------------------------------
void ConcatLayer::forward(Exec& ex) {
  const int64_t rows = ex.slot(inputs()[0]).rows, width = ex.net().var(output()).width;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  int64_t offset = 0;
  for (Var x : inputs()) {
    Exec::Slot& s = ex.slot(x);
    SR_CHECK(s.rows == rows, "layer '", name(), "': input '", ex.net().var(x).name, "' has ", s.rows, " rows, not ",
             rows);
    const int64_t w = ex.net().var(x).width;
    elementwise(ex.backend(), EwKind::copy, rows, w, {s.value.data(), w}, {}, out.value.data() + offset, width);
    offset += w;
  }
}

void ConcatLayer::backward(Exec& ex) {
  Exec::Slot& out = ex.slot(output());
  const int64_t width = ex.net().var(output()).width;
  int64_t offset = 0;
  for (Var x : inputs()) {
    Exec::Slot& s = ex.slot(x);
    const int64_t w = ex.net().var(x).width;
    elementwise(ex.backend(), EwKind::copy, out.rows, w, {out.grad.data() + offset, width}, {}, s.grad.data(), w,
                {.accumulate = true});
    offset += w;
  }
}

// ---- MultiplyLayer ---------------------------------------------------------------------------
void MultiplyLayer::forward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  SR_CHECK(a.rows == b.rows, "layer '", name(), "': inputs have ", a.rows, " and ", b.rows, " rows");
  const int64_t w = a.value.cols();
  Exec::Slot& out = ex.prepare(output(), a.rows, nullptr);
  elementwise(ex.backend(), EwKind::mul, a.rows, w, {a.value.data(), w}, {b.value.data(), w}, out.value.data(), w);
}

void MultiplyLayer::backward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  const int64_t w = a.value.cols();
  elementwise(ex.backend(), EwKind::mul, a.rows, w, {out.grad.data(), w}, {b.value.data(), w}, a.grad.data(), w,
              {.accumulate = true});
  elementwise(ex.backend(), EwKind::mul, a.rows, w, {out.grad.data(), w}, {a.value.data(), w}, b.grad.data(), w,
              {.accumulate = true});
}

// ---- DotLayer --------------------------------------------------------------------------------
void DotLayer::forward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  SR_CHECK(a.rows == b.rows, "layer '", name(), "': inputs have ", a.rows, " and ", b.rows, " rows");
  Exec::Slot& out = ex.prepare(output(), a.rows, nullptr);
  row_dots(ex, a.value.data(), b.value.data(), a.rows, a.value.cols(), out.value.data());
}

void DotLayer::backward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  // The diagonal pattern carrying dz: row r gathers dz_r times row r of the other input.
  scale_rows(ex, out.grad.data(), b.value.data(), a.rows, a.value.cols(), a.grad.data(), true);
  scale_rows(ex, out.grad.data(), a.value.data(), a.rows, a.value.cols(), b.grad.data(), true);
}

// ---- SumLayer --------------------------------------------------------------------------------
SumLayer::SumLayer(std::string name, std::vector<Var> xs, Var out, const Param* bias)
    : Layer(std::move(name), std::move(xs), out), bias_(bias) {
  if (bias) add_param(bias);
}

void SumLayer::forward(Exec& ex) {
  const int64_t rows = ex.slot(inputs()[0]).rows, w = ex.net().var(output()).width;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  bool first = true;
  for (Var x : inputs()) {
    Exec::Slot& s = ex.slot(x);
    SR_CHECK(s.rows == rows, "layer '", name(), "': input '", ex.net().var(x).name, "' has ", s.rows, " rows, not ",
             rows);
    elementwise(ex.backend(), EwKind::copy, rows, w, {s.value.data(), w}, {}, out.value.data(), w,
                {.accumulate = !first});
    first = false;
  }
  if (bias_)
    bias_act(ex.backend(), rows, w, out.value.data(), ex.weights(*bias_).data(), Act::identity, out.value.data());
}

void SumLayer::backward(Exec& ex) {
  Exec::Slot& out = ex.slot(output());
  const int64_t w = ex.net().var(output()).width;
  for (Var x : inputs())
    elementwise(ex.backend(), EwKind::copy, out.rows, w, {out.grad.data(), w}, {}, ex.slot(x).grad.data(), w,
                {.accumulate = true});
  if (bias_) col_sum(ex.backend(), out.rows, w, out.grad.data(), ex.gradient(*bias_).g.data());
}

// ---- FmLayer ---------------------------------------------------------------------------------
void FmLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  const int64_t k = x.value.cols() / fields_;
  ex.backend().fm_interaction({false, x.rows, fields_, k, x.value.data(), out.value.data()});
}

void FmLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t k = x.value.cols() / fields_;
  ex.backend().fm_interaction(
      {true, x.rows, fields_, k, x.value.data(), nullptr, out.grad.data(), x.grad.data(), true});
}

// ---- ShiftLayer ------------------------------------------------------------------------------
void ShiftLayer::forward(Exec& ex) {
  Exec::Slot& y = ex.slot(inputs()[0]);
  Exec::Slot& o = ex.slot(inputs()[1]);
  const SparseBatch* p = ex.pattern_for(output());
  Exec::Slot& out = ex.prepare(output(), y.rows, p);
  out.values = out.value.data();
  const int64_t nnz = p->nnz(), n = o.pattern->nnz();
  const float* offsets = o.values;
  if (!offsets) {  // a batch whose values are all 1 carries none
    Tensor& ones = ex.state().scratch(*this, 0, n, 1);
    ones.copy_from(Tensor::from_host(ex.backend(), std::vector<float>(static_cast<size_t>(n), 1.0f), n, 1));
    offsets = ones.data();
  }
  if (n == nnz) {
    elementwise(ex.backend(), EwKind::copy, 1, nnz, {y.values, nnz}, {}, out.value.data(), nnz);
    elementwise(ex.backend(), EwKind::copy, 1, nnz, {offsets, nnz}, {}, out.value.data(), nnz, {.accumulate = true});
  } else {
    SR_CHECK(p->block_cols() == n && o.pattern->rows() == 1, "layer '", name(), "': ", n, " offsets for scores of ",
             nnz, " entries (neither one per entry nor one per column of a block pattern)");
    bias_act(ex.backend(), y.rows, n, y.values, offsets, Act::identity, out.value.data());
  }
}

void ShiftLayer::backward(Exec& ex) {
  Exec::Slot& y = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t nnz = out.value.rows();
  // Written, not added: a sparse variable's gradient is not zeroed before backward (the loss or
  // the layer after it writes every entry), and the scores feed this layer alone.
  elementwise(ex.backend(), EwKind::copy, 1, nnz, {out.grad.data(), nnz}, {}, y.grad.data(), nnz);
}

}  // namespace sr
