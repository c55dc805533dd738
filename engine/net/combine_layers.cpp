#include "engine/net/combine_layers.h"

#include "engine/net/elementwise.h"
#include "engine/net/exec.h"

namespace sr {


// ---- ConcatLayer -----------------------------------------------------------------------------
void ConcatLayer::forward(Exec& ex) {
  const int64_t rows = ex.slot(inputs()[0]).rows, width = ex.net().var(output()).width;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  int64_t offset = 0;
  for (Var x : inputs()) {
    Exec::Slot& s = ex.slot(x);
    SR_CHECK(s.rows == rows, "layer '", name(), "': input '", ex.net().var(x).name, "' has ", s.rows, " rows, not ", rows);
    const int64_t w = ex.net().var(x).width;
    elementwise(ex.backend(), EwKind::copy, rows, w, s.value.data(), w, nullptr, 0, out.value.data() + offset, width, 1.0f, false);
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
    elementwise(ex.backend(), EwKind::copy, out.rows, w, out.grad.data() + offset, width, nullptr, 0, s.grad.data(), w, 1.0f, true);
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
  elementwise(ex.backend(), EwKind::mul, a.rows, w, a.value.data(), w, b.value.data(), w, out.value.data(), w, 1.0f, false);
}

void MultiplyLayer::backward(Exec& ex) {
  Exec::Slot& a = ex.slot(inputs()[0]);
  Exec::Slot& b = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  const int64_t w = a.value.cols();
  elementwise(ex.backend(), EwKind::mul, a.rows, w, out.grad.data(), w, b.value.data(), w, a.grad.data(), w, 1.0f, true);
  elementwise(ex.backend(), EwKind::mul, a.rows, w, out.grad.data(), w, a.value.data(), w, b.grad.data(), w, 1.0f, true);
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
    elementwise(ex.backend(), EwKind::copy, rows, w, s.value.data(), w, nullptr, 0, out.value.data(), w, 1.0f, !first);
    first = false;
  }
  ex.backend().bias_act({rows, w, out.value.data(), bias_->w.data(), Act::identity, out.value.data()});
}

void SumLayer::backward(Exec& ex) {
  Exec::Slot& out = ex.slot(output());
  const int64_t w = ex.net().var(output()).width;
  for (Var x : inputs())
    elementwise(ex.backend(), EwKind::copy, out.rows, w, out.grad.data(), w, nullptr, 0, ex.slot(x).grad.data(), w, 1.0f, true);
  ex.backend().col_sum({out.rows, w, out.grad.data(), 1.0f, bias_->g.data()});
}

}  // namespace sr
