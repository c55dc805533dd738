// Layers over time-major sequences (rows t·B + b, T steps; recurrent_layer.h's GruSequenceLayer
// makes them): the last step of each sequence, the mean of its real steps (STAMP's session
// memory), and NARM's attention over all steps.
#pragma once

#include "engine/net/layer.h"

namespace sr {

// out[b] = seq[(T − 1)·B + b]: each sequence's last state (sequences are left-padded, so it is
// always a real step). Backward adds the gradient into those rows.
class LastStepLayer final : public Layer {
 public:
  LastStepLayer(std::string name, Var seq, Var out, int64_t steps);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  int64_t steps_;
};

// The values of a layer's mask (its second input: a sparse input with one value per row), checked
// against the sequence's rows.
const float* step_mask(Exec& ex, const Layer& l, int64_t rows);

// out[b] = Σ_t m_tb · seq[t·B + b] / Σ_t m_tb: the mean of each sequence's real steps (the mask m
// is 1 at a real step, 0 at padding; the last step is always real). Forward: the weights m_tb / n_b
// (counts summed step by step, 1/n as inv_sqrt squared), then a row scaling per step accumulated
// into out; backward: the same scalings of ∂out into each step's gradient.
class MeanStepsLayer final : public Layer {
 public:
  MeanStepsLayer(std::string name, Var seq, Var mask, Var out, int64_t steps);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  enum Scratch : int { weight = 0, count = 1 };
  int64_t steps_;
};

// NARM's local encoder (Li et al. 2017): α_tb = vᵀ σ(A1·q_b + A2·h_tb), out_b = Σ_t α_tb h_tb,
// for the states h (seq) and a query per sequence q (its last state). The weights are not
// normalized, as in NARM; padded steps have h = 0 and add nothing. Forward: two GEMMs, a sigmoid,
// a GEMM for α, then per step a row scaling (gather on a diagonal pattern) accumulated into out.
// Backward: per step a sampled dot for ∂α and a row scaling for ∂h, then GEMMs.
class AttentionLayer final : public Layer {
 public:
  AttentionLayer(std::string name, Var seq, Var query, Var out, int64_t steps, const Param* a1, const Param* a2,
                 const Param* v);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  enum Scratch : int { pre = 0, q2 = 1, alpha = 2, dalpha = 3, dpre = 4, dq2 = 5 };
  int64_t steps_;
  const Param *a1_, *a2_, *v_;
};

}  // namespace sr
