#include "engine/net/recurrent_layer.h"

#include "engine/net/exec.h"

namespace sr {

GruLayer::GruLayer(std::string name, Var gates, Var out, int64_t hidden, Param* u, Param* b, bool gates_need_grad)
    : Layer(std::move(name), {gates}, out), hidden_(hidden), u_(u), b_(b), gates_need_grad_(gates_need_grad) {
  add_param(u);
  add_param(b);
}

void GruLayer::reset_state(Exec& ex, const int32_t* rows, int64_t n) {
  Tensor* state = ex.find_scratch(*this, carry);
  if (!state) return;  // no state yet: it starts at zero
  for (int64_t i = 0; i < n; ++i)
    if (rows[i] >= state->rows()) return;  // more lanes than the state has: the next pass starts a zero one
  ex.zero_rows(*state, rows, n);
}

void GruLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  const int64_t rows = x.rows, H = hidden_;
  Backend& be = ex.backend();
  Tensor& state = ex.scratch(*this, carry, rows, H);
  Tensor& prev = ex.scratch(*this, h_prev, rows, H);
  Tensor& gh = ex.scratch(*this, GruLayer::gh, rows, 3 * H);
  prev.copy_from(state);
  be.gemm({false, false, rows, 3 * H, H, 1.0f, 0.0f, prev.data(), H, u_->w.data(), 3 * H, gh.data(), 3 * H});
  be.bias_act({rows, 3 * H, gh.data(), b_->w.data(), Act::identity, gh.data()});
  float* cached = ex.training() ? ex.scratch(*this, cache, rows, 4 * H).data() : nullptr;
  be.gru_forward({rows, H, x.value.data(), gh.data(), prev.data(), out.value.data(), cached});
  if (ex.carry_state()) state.copy_from(out.value);
}

void GruLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = x.rows, H = hidden_;
  Backend& be = ex.backend();
  Tensor& prev = ex.scratch(*this, h_prev, rows, H);
  Tensor& dgx = ex.scratch(*this, GruLayer::dgx, rows, 3 * H);
  Tensor& dgh = ex.scratch(*this, GruLayer::dgh, rows, 3 * H);
  be.gru_backward({rows, H, out.grad.data(), ex.scratch(*this, cache, rows, 4 * H).data(), prev.data(), dgx.data(),
                   dgh.data(), nullptr});
  be.gemm({true, false, H, 3 * H, rows, 1.0f, 1.0f, prev.data(), H, dgh.data(), 3 * H, u_->g.data(), 3 * H});
  be.col_sum({rows, 3 * H, dgh.data(), 1.0f, b_->g.data()});
  if (gates_need_grad_) be.axpby({rows * 3 * H, 1.0f, dgx.data(), 1.0f, x.grad.data()});
}

void scale_rows(Exec& ex, const float* scale, const float* x, int64_t n, int64_t width, float* y, bool accumulate) {
  if (n == 0) return;
  GatherArgs g;
  g.a = ex.diagonal(n);
  g.a.val = scale;
  g.w = x, g.width = width, g.accumulate = accumulate, g.y = y;
  ex.backend().gather(g);
}

GruSequenceLayer::GruSequenceLayer(std::string name, Var gates, Var mask, Var out, int64_t hidden, int64_t steps, Param* u,
                                   Param* b)
    : Layer(std::move(name), {gates, mask}, out), hidden_(hidden), steps_(steps), u_(u), b_(b) {
  add_param(u);
  add_param(b);
}

namespace {
// The mask's values (one per row), checked against the sequence's rows.
const float* step_mask(Exec& ex, const Layer& l, int64_t rows) {
  Exec::Slot& m = ex.slot(l.inputs()[1]);
  SR_CHECK(m.pattern && m.pattern->rows() == rows && m.pattern->nnz() == rows, "layer '", l.name(), "': the mask needs one value per row (",
           rows, " rows)");
  return m.values ? m.values : ex.ones(rows).data();
}
}  // namespace

void GruSequenceLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  const int64_t rows = x.rows, H = hidden_, T = steps_;
  SR_CHECK(rows % T == 0, "layer '", name(), "': ", rows, " rows are not whole sequences of ", T, " steps");
  const int64_t B = rows / T;
  const float* mask = step_mask(ex, *this, rows);
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  Backend& be = ex.backend();
  const Tensor& zeros = ex.scratch(*this, zero, B, H);
  Tensor& g = ex.scratch(*this, gh, B, 3 * H);
  Tensor& r = ex.scratch(*this, raw, B, H);
  float* c = ex.scratch(*this, cache, rows, 4 * H).data();
  for (int64_t t = 0; t < T; ++t) {
    const float* prev = t == 0 ? zeros.data() : out.value.data() + (t - 1) * B * H;
    be.gemm({false, false, B, 3 * H, H, 1.0f, 0.0f, prev, H, u_->w.data(), 3 * H, g.data(), 3 * H});
    be.bias_act({B, 3 * H, g.data(), b_->w.data(), Act::identity, g.data()});
    be.gru_forward({B, H, x.value.data() + t * B * 3 * H, g.data(), prev, r.data(), c + t * B * 4 * H});
    scale_rows(ex, mask + t * B, r.data(), B, H, out.value.data() + t * B * H, false);
  }
}

void GruSequenceLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = x.rows, H = hidden_, T = steps_, B = rows / T;
  const float* mask = step_mask(ex, *this, rows);
  Backend& be = ex.backend();
  const Tensor& zeros = ex.scratch(*this, zero, B, H);
  const float* c = ex.scratch(*this, cache, rows, 4 * H).data();
  Tensor& carry = ex.scratch(*this, dh, B, H);  // ∂loss/∂h_t from the steps after t
  Tensor& d = ex.scratch(*this, dh_raw, B, H);
  Tensor& dx = ex.scratch(*this, dgx, B, 3 * H);
  Tensor& dg = ex.scratch(*this, dgh, B, 3 * H);
  carry.fill_zero();
  for (int64_t t = T - 1; t >= 0; --t) {
    const float* prev = t == 0 ? zeros.data() : out.value.data() + (t - 1) * B * H;
    be.axpby({B * H, 1.0f, out.grad.data() + t * B * H, 1.0f, carry.data()});  // + the output's own gradient
    scale_rows(ex, mask + t * B, carry.data(), B, H, d.data(), false);       // through the mask
    carry.fill_zero();                                                        // now ∂loss/∂h_{t−1}
    be.gru_backward({B, H, d.data(), c + t * B * 4 * H, prev, dx.data(), dg.data(), carry.data()});
    be.gemm({false, true, B, H, 3 * H, 1.0f, 1.0f, dg.data(), 3 * H, u_->w.data(), 3 * H, carry.data(), H});
    be.gemm({true, false, H, 3 * H, B, 1.0f, 1.0f, prev, H, dg.data(), 3 * H, u_->g.data(), 3 * H});
    be.col_sum({B, 3 * H, dg.data(), 1.0f, b_->g.data()});
    be.axpby({B * 3 * H, 1.0f, dx.data(), 1.0f, x.grad.data() + t * B * 3 * H});
  }
}

}  // namespace sr
