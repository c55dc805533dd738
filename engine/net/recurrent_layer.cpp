#include "engine/net/recurrent_layer.h"

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"
#include "engine/net/sequence_layers.h"

namespace sr {

GruLayer::GruLayer(std::string name, Var gates, Var out, int64_t hidden, const Param* u, const Param* b,
                   bool gates_need_grad)
    : Layer(std::move(name), {gates}, out), hidden_(hidden), u_(u), b_(b), gates_need_grad_(gates_need_grad) {
  add_param(u);
  add_param(b);
}

void GruLayer::reset_state(Exec& ex, const LaneResets& rows) {
  Tensor* state = ex.state().find(*this, carry);
  if (!state) return;  // no state yet: it starts at zero
  for (int64_t i = 0; i < rows.n; ++i)
    if (rows.host[i] >= state->rows()) return;  // more lanes than the state has: the next pass starts a zero one
  zero_rows(ex, *state, rows.device, rows.n);
}

void GruLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.prepare(output(), x.rows, nullptr);
  const int64_t rows = x.rows, H = hidden_;
  Backend& be = ex.backend();
  LayerState& st = ex.state();
  Tensor& state = st.scratch(*this, carry, rows, H);
  Tensor& prev = st.scratch(*this, h_prev, rows, H);
  Tensor& gh = st.scratch(*this, GruLayer::gh, rows, 3 * H);
  prev.copy_from(state);
  matmul(be, mat(prev), mat(ex.weights(*u_)), gh.data());
  bias_act(be, rows, 3 * H, gh.data(), ex.weights(*b_).data(), Act::identity, gh.data());
  float* cached = ex.training() ? st.scratch(*this, cache, rows, 4 * H).data() : nullptr;
  be.gru_forward({.rows = rows,
                  .hidden = H,
                  .gx = x.value.data(),
                  .gh = gh.data(),
                  .h_prev = prev.data(),
                  .h = out.value.data(),
                  .cache = cached});
  if (st.carry()) state.copy_from(out.value);
}

void GruLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = x.rows, H = hidden_;
  Backend& be = ex.backend();
  LayerState& st = ex.state();
  Tensor& prev = st.scratch(*this, h_prev, rows, H);
  Tensor& dgx = st.scratch(*this, GruLayer::dgx, rows, 3 * H);
  Tensor& dgh = st.scratch(*this, GruLayer::dgh, rows, 3 * H);
  be.gru_backward({.rows = rows,
                   .hidden = H,
                   .dh = out.grad.data(),
                   .cache = st.scratch(*this, cache, rows, 4 * H).data(),
                   .h_prev = prev.data(),
                   .dgx = dgx.data(),
                   .dgh = dgh.data()});
  matmul(be, mat(prev).t(), mat(dgh), ex.gradient(*u_).g.data(), {.accumulate = true});
  col_sum(be, rows, 3 * H, dgh.data(), ex.gradient(*b_).g.data());
  if (gates_need_grad_) add_scaled(be, rows * 3 * H, 1.0f, dgx.data(), x.grad.data());
}

GruSequenceLayer::GruSequenceLayer(std::string name, Var gates, Var mask, Var out, int64_t hidden, int64_t steps,
                                   const Param* u, const Param* b)
    : Layer(std::move(name), {gates, mask}, out), hidden_(hidden), steps_(steps), u_(u), b_(b) {
  add_param(u);
  add_param(b);
}

void GruSequenceLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  const int64_t rows = x.rows, H = hidden_, T = steps_;
  SR_CHECK(rows % T == 0, "layer '", name(), "': ", rows, " rows are not whole sequences of ", T, " steps");
  const int64_t B = rows / T;
  const float* mask = step_mask(ex, *this, rows);
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  Backend& be = ex.backend();
  LayerState& st = ex.state();
  const Tensor& zeros = st.scratch(*this, zero, B, H);
  Tensor& g = st.scratch(*this, gh, B, 3 * H);
  Tensor& r = st.scratch(*this, raw, B, H);
  float* c = st.scratch(*this, cache, rows, 4 * H).data();
  const MatRef u = mat(ex.weights(*u_));
  for (int64_t t = 0; t < T; ++t) {
    const float* prev = t == 0 ? zeros.data() : out.value.data() + (t - 1) * B * H;
    matmul(be, mat(prev, B, H), u, g.data());
    bias_act(be, B, 3 * H, g.data(), ex.weights(*b_).data(), Act::identity, g.data());
    be.gru_forward({.rows = B,
                    .hidden = H,
                    .gx = x.value.data() + t * B * 3 * H,
                    .gh = g.data(),
                    .h_prev = prev,
                    .h = r.data(),
                    .cache = c + t * B * 4 * H});
    scale_rows(ex, mask + t * B, r.data(), B, H, out.value.data() + t * B * H, false);
  }
}

void GruSequenceLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = x.rows, H = hidden_, T = steps_, B = rows / T;
  const float* mask = step_mask(ex, *this, rows);
  Backend& be = ex.backend();
  LayerState& st = ex.state();
  const Tensor& zeros = st.scratch(*this, zero, B, H);
  const float* c = st.scratch(*this, cache, rows, 4 * H).data();
  Tensor& carry = st.scratch(*this, dh, B, H);  // ∂loss/∂h_t from the steps after t
  Tensor& d = st.scratch(*this, dh_raw, B, H);
  Tensor& dx = st.scratch(*this, dgx, B, 3 * H);
  Tensor& dg = st.scratch(*this, dgh, B, 3 * H);
  const MatRef u = mat(ex.weights(*u_));
  float* du = ex.gradient(*u_).g.data();
  float* db = ex.gradient(*b_).g.data();
  carry.fill_zero();
  for (int64_t t = T - 1; t >= 0; --t) {
    const float* prev = t == 0 ? zeros.data() : out.value.data() + (t - 1) * B * H;
    add_scaled(be, B * H, 1.0f, out.grad.data() + t * B * H, carry.data());  // + the output's own gradient
    scale_rows(ex, mask + t * B, carry.data(), B, H, d.data(), false);       // through the mask
    carry.fill_zero();                                                       // now ∂loss/∂h_{t−1}
    be.gru_backward({.rows = B,
                     .hidden = H,
                     .dh = d.data(),
                     .cache = c + t * B * 4 * H,
                     .h_prev = prev,
                     .dgx = dx.data(),
                     .dgh = dg.data(),
                     .dh_prev = carry.data()});
    matmul(be, mat(dg), u.t(), carry.data(), {.accumulate = true});
    matmul(be, mat(prev, B, H).t(), mat(dg), du, {.accumulate = true});
    col_sum(be, B, 3 * H, dg.data(), db);
    add_scaled(be, B * 3 * H, 1.0f, dx.data(), x.grad.data() + t * B * 3 * H);
  }
}

}  // namespace sr
