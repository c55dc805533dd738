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

}  // namespace sr
