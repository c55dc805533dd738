// A character CNN's layers over time-major sequences (rows t·B + b, T steps, as sequence_layers.h):
// a 1-D convolution written as GEMMs on row slices, and max-pooling over the steps (the step_max
// op, kernels/pooling.h). Kim (2014) / Zhang, Zhao & LeCun (2015) style: embedded characters,
// convolved, pooled to one vector per sequence.
#pragma once

#include "engine/net/layer.h"

namespace sr {

// out[t·B + b] = act(bias + Σ_{k<w} x[(t + k)·B + b] · W_k) for t < T − w + 1 ("valid" positions),
// W_k rows k·E .. k·E + E − 1 of the weight (w·E x F, x of width E). Because the rows are
// time-major, x's rows for offset k are one contiguous slice (rows k·B .. (k + P)·B), so the
// convolution is w GEMMs of P·B rows each, forward and backward: no im2col copy.
class Conv1dLayer final : public Layer {
 public:
  Conv1dLayer(std::string name, Var x, Var out, int64_t steps, int64_t width, Act act, const Param* w, const Param* b);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  int64_t steps_, width_;
  Act act_;
  const Param *w_, *b_;
};

// out[b] = max_t seq[t·B + b], column by column; backward routes each column's gradient to the step
// that was the maximum (the first, on ties). The steps taken are kept from forward to backward.
class MaxStepsLayer final : public Layer {
 public:
  MaxStepsLayer(std::string name, Var seq, Var out, int64_t steps);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  enum Scratch : int { taken = 0 };
  int64_t steps_;
};

}  // namespace sr
