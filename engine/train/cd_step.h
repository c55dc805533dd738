// Contrastive divergence (CD-k), the training step of an RBM with K-way softmax visible units
// connected only for the items a user rated (Salakhutdinov, Mnih & Hinton, ICML 2007):
//   h0 = σ(b + Σ v·W) from the data v (the gather primitive), hidden states sampled from h0;
//   k times: visible probabilities softmax_K(c + W·h) on the rated items' K columns (the sampled
//   dot primitive and a softmax per group of K), then hidden probabilities from them, sampled
//   again between rounds;
//   ∇W = (<v h>_k − <v h>_data) / B, ∇b and ∇c alike (scatters and column sums): a descent
//   direction the optimizer (SGD with momentum and weight decay, as the paper) applies.
// Visible reconstructions are probabilities, not samples; the last hidden statistics are
// probabilities. The loss it reports is the squared error of the first reconstruction.
#pragma once

#include "engine/train/trainer.h"

namespace sr {

// The RBM's pieces in its Net: `input` carries the data's one-hot levels (expand_rating_levels),
// `hidden` = dense(input, F, sigmoid), `visible` = tied_sparse_output(hidden, input, hidden).
struct RbmVars {
  Var input, hidden, visible;
  int levels = 5;
};

class CdStep final : public TrainStep {
 public:
  // k rises over training as in the paper (1, then 3, 5, 9 in the later quarters), capped at k_max.
  CdStep(RbmVars vars, int k_max);
  void start_epoch(int epoch, int epochs) override;
  LossTicket gradients(Exec& ex, int64_t global_rows) override;
  int k() const { return k_; }
  void set_k(int k) { k_ = k; }

 private:
  RbmVars v_;
  int k_max_, k_ = 1;
  Tensor h0_, h_scaled_, v_recon_, dv_, loss_;  // scratch, kept across steps
};

// k for an epoch of a run of `epochs` epochs: 1, 3, 5, 9 by quarters, at most k_max.
int cd_k_for_epoch(int epoch, int epochs, int k_max);

}  // namespace sr
