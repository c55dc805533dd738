// The input of a conditional GAN's discriminator over purchase vectors (CFGAN, Chae et al. CIKM
// 2018): real and generated rows stacked, each beside the user's own purchases as the condition.
#pragma once

#include "engine/net/layer.h"

namespace sr {

// From a batch of B users' purchases c (a sparse input of width n; its values, or 1, densified to
// e_u) and the generator's vectors r̂ (B x n), the discriminator's 2B rows of width 2n:
//   rows 0 .. B−1:   [e_u | e_u]                  real: the purchases, conditioned on themselves
//   rows B .. 2B−1:  [e_u | r̂_u ⊙ (e_u + k_u)]     generated, masked to the purchases
// k_u marks unpurchased items drawn with probability `mask_ratio` each in training (the paper's
// partial masking: the generator is also judged on some items the user did not buy, so that it
// cannot win by predicting 1 everywhere); at inference, and with ratio 0, the mask is e_u alone.
// Backward: dr̂ += the generated rows' gradient ⊙ the mask. The purchases are kept for the
// training step (zero reconstruction, engine/train/adversarial_step.h).
class DiscriminatorInputLayer final : public Layer {
 public:
  DiscriminatorInputLayer(std::string name, Var condition, Var generated, Var out, float mask_ratio);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  // The last forward pass's e_u (B x n); throws before any.
  const Tensor& purchases(Exec& ex) const;

 private:
  enum Scratch : int { purchases_key = 0, mask_key = 1 };
  float mask_ratio_;
};

}  // namespace sr
