#include "engine/net/sequence_layers.h"

#include "engine/net/exec.h"
#include "engine/net/recurrent_layer.h"

namespace sr {

LastStepLayer::LastStepLayer(std::string name, Var seq, Var out, int64_t steps)
    : Layer(std::move(name), {seq}, out), steps_(steps) {}

void LastStepLayer::forward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  SR_CHECK(s.rows % steps_ == 0, "layer '", name(), "': ", s.rows, " rows are not whole sequences of ", steps_, " steps");
  const int64_t B = s.rows / steps_, width = s.value.cols();
  Exec::Slot& out = ex.prepare(output(), B, nullptr);
  ex.backend().copy(out.value.data(), s.value.data() + (steps_ - 1) * B * width, static_cast<size_t>(B * width) * sizeof(float));
}

void LastStepLayer::backward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t B = out.rows, width = out.value.cols();
  ex.backend().axpby({B * width, 1.0f, out.grad.data(), 1.0f, s.grad.data() + (steps_ - 1) * B * width});
}

AttentionLayer::AttentionLayer(std::string name, Var seq, Var query, Var out, int64_t steps, Param* a1, Param* a2, Param* v)
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
  Tensor& p = ex.scratch(*this, pre, rows, A);
  Tensor& k = ex.scratch(*this, q2, B, A);
  Tensor& a = ex.scratch(*this, alpha, rows, 1);
  be.gemm({false, false, rows, A, H, 1.0f, 0.0f, h.value.data(), H, a2_->w.data(), A, p.data(), A});
  be.gemm({false, false, B, A, q.value.cols(), 1.0f, 0.0f, q.value.data(), q.value.cols(), a1_->w.data(), A, k.data(), A});
  for (int64_t t = 0; t < T; ++t) {  // + A1·q_b in every step
    ElementwiseArgs e;
    e.kind = EwKind::copy, e.rows = B, e.cols = A, e.a = k.data(), e.lda = A, e.y = p.data() + t * B * A, e.ldy = A;
    e.accumulate = true;
    be.elementwise(e);
  }
  be.bias_act({rows, A, p.data(), nullptr, Act::sigmoid, p.data()});
  be.gemm({false, false, rows, 1, A, 1.0f, 0.0f, p.data(), A, v_->w.data(), 1, a.data(), 1});
  Exec::Slot& out = ex.prepare(output(), B, nullptr);
  out.value.fill_zero();
  for (int64_t t = 0; t < T; ++t) scale_rows(ex, a.data() + t * B, h.value.data() + t * B * H, B, H, out.value.data(), true);
}

void AttentionLayer::backward(Exec& ex) {
  Exec::Slot& h = ex.slot(inputs()[0]);
  Exec::Slot& q = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = h.rows, T = steps_, B = q.rows, H = a2_->rows, A = a2_->cols, Q = q.value.cols();
  Backend& be = ex.backend();
  const Tensor& sig = ex.scratch(*this, pre, rows, A);
  const Tensor& a = ex.scratch(*this, alpha, rows, 1);
  Tensor& da = ex.scratch(*this, dalpha, rows, 1);
  Tensor& dp = ex.scratch(*this, dpre, rows, A);
  Tensor& dk = ex.scratch(*this, dq2, B, A);
  for (int64_t t = 0; t < T; ++t) {
    SampledDotArgs s;  // ∂α_tb = ⟨∂out_b, h_tb⟩: the sampled dot on the diagonal
    s.pattern = ex.diagonal(B), s.h = out.grad.data(), s.v = h.value.data() + t * B * H, s.width = H, s.z = da.data() + t * B;
    be.sampled_dot(s);
    scale_rows(ex, a.data() + t * B, out.grad.data(), B, H, h.grad.data() + t * B * H, true);  // ∂h_tb += α_tb ∂out_b
  }
  be.gemm({false, true, rows, A, 1, 1.0f, 0.0f, da.data(), 1, v_->w.data(), 1, dp.data(), A});  // ∂σ = ∂α vᵀ
  be.gemm({true, false, A, 1, rows, 1.0f, 1.0f, sig.data(), A, da.data(), 1, v_->g.data(), 1});
  be.act_backward({rows * A, sig.data(), dp.data(), Act::sigmoid, dp.data()});
  be.gemm({true, false, H, A, rows, 1.0f, 1.0f, h.value.data(), H, dp.data(), A, a2_->g.data(), A});
  be.gemm({false, true, rows, H, A, 1.0f, 1.0f, dp.data(), A, a2_->w.data(), A, h.grad.data(), H});
  dk.fill_zero();
  for (int64_t t = 0; t < T; ++t) {
    ElementwiseArgs e;
    e.kind = EwKind::copy, e.rows = B, e.cols = A, e.a = dp.data() + t * B * A, e.lda = A, e.y = dk.data(), e.ldy = A;
    e.accumulate = true;
    be.elementwise(e);
  }
  be.gemm({true, false, Q, A, B, 1.0f, 1.0f, q.value.data(), Q, dk.data(), A, a1_->g.data(), A});
  be.gemm({false, true, B, Q, A, 1.0f, 1.0f, dk.data(), A, a1_->w.data(), A, q.grad.data(), Q});
}

}  // namespace sr
