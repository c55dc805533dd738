// The GRU layer (kernels/recurrent.h for the cell): one step per forward pass over a batch of
// lanes, the state carried from pass to pass in the Exec and cleared per lane when a sequence
// starts (Exec::reset_state). This is the one-step form GRU4Rec trains with: the carried state is
// an input without a gradient (backprop stops at the step boundary).
//
// The input is the gate pre-activations gx = x·W + b_x (width 3H), made by the layer before it:
// a gather for one-hot items, a GEMM for an embedding. Forward: gh = h_prev·U + b_h (GEMM), then
// the fused cell. Backward: the fused cell's gradients, dU += h_prevᵀ·dgh (GEMM), db_h.
#pragma once

#include "engine/net/layer.h"

namespace sr {

class GruLayer final : public Layer {
 public:
  GruLayer(std::string name, Var gates, Var out, int64_t hidden, Param* u, Param* b, bool gates_need_grad);
  const char* kind() const override { return "gru"; }
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  void reset_state(Exec& ex, const int32_t* rows, int64_t n) override;

 private:
  enum Scratch : int { carry = 0, h_prev = 1, gh = 2, cache = 3, dgx = 4, dgh = 5 };
  int64_t hidden_;
  Param *u_, *b_;
  bool gates_need_grad_;
};

}  // namespace sr
