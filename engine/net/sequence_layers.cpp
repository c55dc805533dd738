#include "engine/net/sequence_layers.h"

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"

namespace sr {

LastStepLayer::LastStepLayer(std::string name, Var seq, Var out, int64_t steps)
    : Layer(std::move(name), {seq}, out), steps_(steps) {}

void LastStepLayer::forward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  SR_CHECK(s.rows % steps_ == 0, "layer '", name(), "': ", s.rows, " rows are not whole sequences of ", steps_,
           " steps");
  const int64_t B = s.rows / steps_, width = s.value.cols();
  Exec::Slot& out = ex.prepare(output(), B, nullptr);
  ex.backend().copy(out.value.data(), s.value.data() + (steps_ - 1) * B * width,
                    static_cast<size_t>(B * width) * sizeof(float));
}

void LastStepLayer::backward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t B = out.rows, width = out.value.cols();
  add_scaled(ex.backend(), B * width, 1.0f, out.grad.data(), s.grad.data() + (steps_ - 1) * B * width);
}

const float* step_mask(Exec& ex, const Layer& l, int64_t rows) {
  Exec::Slot& m = ex.slot(l.inputs()[1]);
  SR_CHECK(m.pattern && m.pattern->rows() == rows && m.pattern->nnz() == rows, "layer '", l.name(),
           "': the mask needs one value per row (", rows, " rows)");
  return m.values ? m.values : ex.constants().ones(rows).data();
}

MeanStepsLayer::MeanStepsLayer(std::string name, Var seq, Var mask, Var out, int64_t steps)
    : Layer(std::move(name), {seq, mask}, out), steps_(steps) {}

void MeanStepsLayer::forward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  const int64_t rows = s.rows, T = steps_, width = s.value.cols();
  SR_CHECK(rows % T == 0, "layer '", name(), "': ", rows, " rows are not whole sequences of ", T, " steps");
  const int64_t B = rows / T;
  const float* mask = step_mask(ex, *this, rows);
  Backend& be = ex.backend();
  Tensor& w = ex.state().scratch(*this, weight, rows, 1);
  Tensor& n = ex.state().scratch(*this, count, 2, B);  // the counts, then 1/sqrt(count)
  n.fill_zero();
  for (int64_t t = 0; t < T; ++t) elementwise(be, EwKind::copy, B, mask + t * B, n.data(), {.accumulate = true});
  elementwise(be, EwKind::inv_sqrt, B, n.data(), n.data() + B);
  elementwise(be, EwKind::mul, 1, B, {n.data() + B, B}, {n.data() + B, B}, n.data(), B);  // 1 / count
  for (int64_t t = 0; t < T; ++t)
    elementwise(be, EwKind::mul, 1, B, {mask + t * B, B}, {n.data(), B}, w.data() + t * B, B);
  Exec::Slot& out = ex.prepare(output(), B, nullptr);
  out.value.fill_zero();
  for (int64_t t = 0; t < T; ++t)
    scale_rows(ex, w.data() + t * B, s.value.data() + t * B * width, B, width, out.value.data(), true);
}

void MeanStepsLayer::backward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t B = out.rows, width = out.value.cols();
  const Tensor& w = ex.state().scratch(*this, weight, s.rows, 1);
  for (int64_t t = 0; t < steps_; ++t)
    scale_rows(ex, w.data() + t * B, out.grad.data(), B, width, s.grad.data() + t * B * width, true);
}

AttentionLayer::AttentionLayer(std::string name, Var seq, Var query, Var out, int64_t steps, const Param* a1,
                               const Param* a2, const Param* v)
    : Layer(std::move(name), {seq, query}, out), steps_(steps), a1_(a1), a2_(a2), v_(v) {
  add_param(a1);
  add_param(a2);
  add_param(v);
}

void AttentionLayer::forward(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  Exec::Slot& q = ex.slot(inputs()[1]);
  const int64_t rows = h.rows, T = steps_, B = q.rows, H = a2_->rows, A = a2_->cols;
  SR_CHECK(rows == B * T, "layer '", name(), "': ", rows, " sequence rows for ", B, " queries of ", T, " steps");
  Backend& be = ex.backend();
  LayerState& st = ex.state();
  Tensor& p = st.scratch(*this, pre, rows, A);
  Tensor& k = st.scratch(*this, q2, B, A);
  Tensor& a = st.scratch(*this, alpha, rows, 1);
  matmul(be, mat(h.value), mat(ex.weights(*a2_)), p.data());
  matmul(be, mat(q.value), mat(ex.weights(*a1_)), k.data());
  for (int64_t t = 0; t < T; ++t)  // + A1·q_b in every step
    elementwise(be, EwKind::copy, B, A, {k.data(), A}, {}, p.data() + t * B * A, A, {.accumulate = true});
  bias_act(be, rows, A, p.data(), nullptr, Act::sigmoid, p.data());
  matmul(be, mat(p), mat(ex.weights(*v_)), a.data());
  Exec::Slot& out = ex.prepare(output(), B, nullptr);
  out.value.fill_zero();
  for (int64_t t = 0; t < T; ++t)
    scale_rows(ex, a.data() + t * B, h.value.data() + t * B * H, B, H, out.value.data(), true);
}

void AttentionLayer::backward(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  Exec::Slot& q = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = h.rows, T = steps_, B = q.rows, H = a2_->rows, A = a2_->cols;
  Backend& be = ex.backend();
  LayerState& st = ex.state();
  const Tensor& sig = st.scratch(*this, pre, rows, A);
  const Tensor& a = st.scratch(*this, alpha, rows, 1);
  Tensor& da = st.scratch(*this, dalpha, rows, 1);
  Tensor& dp = st.scratch(*this, dpre, rows, A);
  Tensor& dk = st.scratch(*this, dq2, B, A);
  for (int64_t t = 0; t < T; ++t) {
    // ∂α_tb = ⟨∂out_b, h_tb⟩: the sampled dot on the diagonal; ∂h_tb += α_tb ∂out_b.
    row_dots(ex, out.grad.data(), h.value.data() + t * B * H, B, H, da.data() + t * B);
    scale_rows(ex, a.data() + t * B, out.grad.data(), B, H, h.grad.data() + t * B * H, true);
  }
  matmul(be, mat(da), mat(ex.weights(*v_)).t(), dp.data());  // ∂σ = ∂α vᵀ
  matmul(be, mat(sig).t(), mat(da), ex.gradient(*v_).g.data(), {.accumulate = true});
  be.act_backward({.n = rows * A, .y = sig.data(), .dy = dp.data(), .act = Act::sigmoid, .dx = dp.data()});
  matmul(be, mat(h.value).t(), mat(dp), ex.gradient(*a2_).g.data(), {.accumulate = true});
  matmul(be, mat(dp), mat(ex.weights(*a2_)).t(), h.grad.data(), {.accumulate = true});
  dk.fill_zero();
  for (int64_t t = 0; t < T; ++t)
    elementwise(be, EwKind::copy, B, A, {dp.data() + t * B * A, A}, {}, dk.data(), A, {.accumulate = true});
  matmul(be, mat(q.value).t(), mat(dk), ex.gradient(*a1_).g.data(), {.accumulate = true});
  matmul(be, mat(dk), mat(ex.weights(*a1_)).t(), q.grad.data(), {.accumulate = true});
}

}  // namespace sr
