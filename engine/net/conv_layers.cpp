#include "engine/net/conv_layers.h"

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"
#include "kernels/error.h"

namespace sr {

namespace {
// B, the sequences of a time-major var of `rows` rows and `steps` steps; throws naming the layer.
int64_t sequences(const Layer& l, int64_t rows, int64_t steps) {
  SR_CHECK(rows % steps == 0, "layer '", l.name(), "': ", rows, " rows are not whole sequences of ", steps, " steps");
  return rows / steps;
}
}  // namespace

// ---- Conv1dLayer -----------------------------------------------------------------------------
Conv1dLayer::Conv1dLayer(std::string name, Var x, Var out, int64_t steps, int64_t width, Act act, const Param* w,
                         const Param* b)
    : Layer(std::move(name), {x}, out), steps_(steps), width_(width), act_(act), w_(w), b_(b) {
  add_param(w);
  add_param(b);
}

void Conv1dLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  const int64_t B = sequences(*this, x.rows, steps_), E = x.value.cols(), F = w_->cols;
  const int64_t out_rows = (steps_ - width_ + 1) * B;
  Exec::Slot& out = ex.prepare(output(), out_rows, nullptr);
  Backend& be = ex.backend();
  const float* w = ex.weights(*w_).data();
  for (int64_t k = 0; k < width_; ++k)
    matmul(be, mat(x.value.data() + k * B * E, out_rows, E), mat(w + k * E * F, E, F), out.value.data(),
           {.accumulate = k > 0});
  bias_act(be, out_rows, F, out.value.data(), ex.weights(*b_).data(), act_, out.value.data());
}

void Conv1dLayer::backward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t B = sequences(*this, x.rows, steps_), E = x.value.cols(), F = w_->cols, out_rows = out.rows;
  Backend& be = ex.backend();
  activation_backward(be, out.value, out.grad, act_);
  col_sum(be, out_rows, F, out.grad.data(), ex.gradient(*b_).g.data());
  float* dw = ex.gradient(*w_).g.data();
  const float* w = ex.weights(*w_).data();
  for (int64_t k = 0; k < width_; ++k) {
    const float* xk = x.value.data() + k * B * E;
    matmul(be, mat(xk, out_rows, E).t(), mat(out.grad), dw + k * E * F, {.accumulate = true});
    matmul(be, mat(out.grad), mat(w + k * E * F, E, F).t(), x.grad.data() + k * B * E, {.accumulate = true});
  }
}

// ---- MaxStepsLayer ---------------------------------------------------------------------------
MaxStepsLayer::MaxStepsLayer(std::string name, Var seq, Var out, int64_t steps)
    : Layer(std::move(name), {seq}, out), steps_(steps) {}

void MaxStepsLayer::forward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  const int64_t B = sequences(*this, s.rows, steps_), width = s.value.cols();
  Exec::Slot& out = ex.prepare(output(), B, nullptr);
  // The steps taken, as int32 in a float scratch tensor of the same shape (4 bytes an entry).
  static_assert(sizeof(int32_t) == sizeof(float));
  auto* arg = reinterpret_cast<int32_t*>(ex.state().scratch(*this, taken, B, width).data());
  ex.backend().step_max({false, steps_, B, width, s.value.data(), out.value.data(), arg});
}

void MaxStepsLayer::backward(Exec& ex) {
  Exec::Slot& s = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t B = out.rows, width = s.value.cols();
  auto* arg = reinterpret_cast<int32_t*>(ex.state().scratch(*this, taken, B, width).data());
  ex.backend().step_max({true, steps_, B, width, nullptr, nullptr, arg, out.grad.data(), s.grad.data()});
}

}  // namespace sr
