// The training step of a conditional GAN over purchase vectors (CFGAN, Chae et al. CIKM 2018),
// with generator G and discriminator D in one net: G's layers, a discriminator input
// (engine/net/adversarial_layer.h: B real rows, then B generated ones) and D's layers ending in one
// logit per row. From one forward pass it computes, for the same weights:
//   D's gradient of  L_D = Σ_u −log σ(D(real_u)) − log(1 − σ(D(fake_u)))      (D's layers only)
//   G's gradient of  L_G = Σ_u −log σ(D(fake_u)) + α Σ_{j ∈ Z_u} r̂_uj²         (G's layers only)
// both over the batch's users divided by the global batch's, and one optimizer step then updates
// G and D together (simultaneous updates). L_G's first term is the non-saturating form, as the
// paper's code trains; Z_u (zero reconstruction) marks unpurchased items drawn with probability
// `zr_ratio` each step, pushing G's output towards 0 there. The loss reported is L_D + L_G.
//
// Departure from the paper's code, which alternates epochs of D updates and of G updates (2 and 4
// on ML-100K) and redraws the masks once an epoch: one step updates both, and masks are drawn every
// step. Updating both from one pass keeps a step a pure function of the weights and the batch,
// which is what data-parallel training (shard gradients summed) and exact checkpoints need.
#pragma once

#include "engine/train/trainer.h"

namespace sr {

struct AdversarialVars {
  Var generated;   // G's output r̂ (dense, B x n): what the net predicts
  Var disc_input;  // made by Net::discriminator_input from the purchases and `generated`
  Var score;       // D's logit per row (dense, width 1, 2B rows)
};

class AdversarialStep final : public TrainStep {
 public:
  AdversarialStep(AdversarialVars vars, float zr_ratio, float zr_weight);
  LossTicket gradients(Exec& ex, int64_t global_rows) override;

 private:
  AdversarialVars v_;
  float zr_ratio_, zr_weight_;
  Tensor labels_, zero_mask_, zeros_, loss_;  // scratch, kept across steps
};

}  // namespace sr
