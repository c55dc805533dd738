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
  GruLayer(std::string name, Var gates, Var out, int64_t hidden, const Param* u, const Param* b, bool gates_need_grad);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  void reset_state(Exec& ex, const LaneResets& rows) override;

 private:
  enum Scratch : int { carry = 0, h_prev = 1, gh = 2, cache = 3, dgx = 4, dgh = 5 };
  int64_t hidden_;
  const Param *u_, *b_;
  bool gates_need_grad_;
};

// A GRU over whole sequences with backprop through time (NARM's encoder). Rows are time-major —
// row t·B + b is step t of sequence b, T = `steps` steps — and sequences are left-padded: the
// mask input (a sparse input of width 1, one value per row: 1 at a real step, 0 at padding) keeps
// the state at zero until a sequence starts, so every sequence ends at step T − 1 and its padding
// adds nothing. Output: every step's state (zero at padding). Per step: h_{t−1}·U (GEMM), the
// fused cell, the mask as a row scaling (the gather primitive on a diagonal pattern); backward
// runs the steps in reverse, carrying dh through z and through U (a GEMM).
class GruSequenceLayer final : public Layer {
 public:
  GruSequenceLayer(std::string name, Var gates, Var mask, Var out, int64_t hidden, int64_t steps, const Param* u,
                   const Param* b);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  enum Scratch : int { zero = 0, gh = 1, raw = 2, cache = 3, dh = 4, dh_raw = 5, dgx = 6, dgh = 7 };
  int64_t hidden_, steps_;
  const Param *u_, *b_;
};

}  // namespace sr
