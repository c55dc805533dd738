#include "engine/net/combine_layers.h"

#include "engine/net/exec.h"

namespace sr {

namespace {
// y (+)= alpha · f(a, b) over rows x cols blocks with the given row strides.
void ew(Backend& be, EwKind kind, int64_t rows, int64_t cols, const float* a, int64_t lda, const float* b, int64_t ldb,
        float* y, int64_t ldy, bool accumulate) {
  ElementwiseArgs e;
  e.kind = kind, e.rows = rows, e.cols = cols, e.a = a, e.lda = lda, e.b = b, e.ldb = ldb, e.y = y, e.ldy = ldy;
  e.accumulate = accumulate;
  be.elementwise(e);
}
}  // namespace

// ---- ConcatLayer -----------------------------------------------------------------------------
void ConcatLayer::forward(Exec& ex) {
  const int64_t rows = ex.slot(inputs()[0]).rows, width = ex.net().var(output()).width;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  int64_t offset = 0;
  for (Var x : inputs()) {
    Exec::Slot& s = ex.slot(x);
    SR_CHECK(s.rows == rows, "layer '", name(), "': input '", ex.net().var(x).name, "' has ", s.rows, " rows, not ", rows);
    const int64_t w = ex.net().var(x).width;
    ew(ex.backend(), EwKind::copy, rows, w, s.value.data(), w, nullptr, 0, out.value.data() + offset, width, false);
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
    ew(ex.backend(), EwKind::copy, out.rows, w, out.grad.data() + offset, width, nullptr, 0, s.grad.data(), w, true);
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
  ew(ex.backend(), EwKind::mul, a.rows, w, a.value.data(), w, b.value.data(), w, out.value.data(), w, false);
}

void MultiplyLayer::backward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  const int64_t w = a.value.cols();
  ew(ex.backend(), EwKind::mul, a.rows, w, out.grad.data(), w, b.value.data(), w, a.grad.data(), w, true);
  ew(ex.backend(), EwKind::mul, a.rows, w, out.grad.data(), w, a.value.data(), w, b.grad.data(), w, true);
}

// ---- DotLayer --------------------------------------------------------------------------------
void DotLayer::forward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  SR_CHECK(a.rows == b.rows, "layer '", name(), "': inputs have ", a.rows, " and ", b.rows, " rows");
  Exec::Slot& out = ex.prepare(output(), a.rows, nullptr);
  SampledDotArgs s;
  s.pattern = ex.diagonal(a.rows), s.h = a.value.data(), s.v = b.value.data(), s.width = a.value.cols();
  s.z = out.value.data();
  ex.backend().sampled_dot(s);
}

void DotLayer::backward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  GatherArgs g;  // the diagonal pattern carrying dz: row r gathers dz_r times row r of the other input
  g.a = ex.diagonal(a.rows), g.a.val = out.grad.data(), g.width = a.value.cols(), g.accumulate = true;
  g.w = b.value.data(), g.y = a.grad.data();
  ex.backend().gather(g);
  g.w = a.value.data(), g.y = b.grad.data();
  ex.backend().gather(g);
}

// ---- SumLayer --------------------------------------------------------------------------------
SumLayer::SumLayer(std::string name, std::vector<Var> xs, Var out, Param* bias)
    : Layer(std::move(name), std::move(xs), out), bias_(bias) {
  add_param(bias);
}

void SumLayer::forward(Exec& ex) {
  const int64_t rows = ex.slot(inputs()[0]).rows, w = ex.net().var(output()).width;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  bool first = true;
  for (Var x : inputs()) {
    Exec::Slot& s = ex.slot(x);
    SR_CHECK(s.rows == rows, "layer '", name(), "': input '", ex.net().var(x).name, "' has ", s.rows, " rows, not ", rows);
    ew(ex.backend(), EwKind::copy, rows, w, s.value.data(), w, nullptr, 0, out.value.data(), w, !first);
    first = false;
  }
  ex.backend().bias_act({rows, w, out.value.data(), bias_->w.data(), Act::identity, out.value.data()});
}

void SumLayer::backward(Exec& ex) {
  Exec::Slot& out = ex.slot(output());
  const int64_t w = ex.net().var(output()).width;
  for (Var x : inputs())
    ew(ex.backend(), EwKind::copy, out.rows, w, out.grad.data(), w, nullptr, 0, ex.slot(x).grad.data(), w, true);
  ex.backend().col_sum({out.rows, w, out.grad.data(), 1.0f, bias_->g.data()});
}

}  // namespace sr
