// The VAE's stochastic layer (Kingma & Welling 2014; Mult-VAE, Liang et al. 2018): the input holds
// a mean and a log-variance per latent unit, [μ | log σ²]; in training the output is a sample
// z = μ + ε·σ (ε ~ N(0, 1) drawn from a seed, recomputed in backward) and the layer adds
// β · KL(N(μ, σ²) ‖ N(0, 1)) to the loss; outside training z = μ. β is annealed linearly from 0 to
// beta_max over anneal_steps optimizer updates (Exec::updates(); 0: β = beta_max from the start).
#pragma once

#include "engine/net/layer.h"

namespace sr {

class GaussianSampleLayer final : public Layer {
 public:
  GaussianSampleLayer(std::string name, Var x, Var out, float beta_max, int64_t anneal_steps)
      : Layer(std::move(name), {x}, out), beta_max_(beta_max), anneal_steps_(anneal_steps) {}
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  float beta(int64_t step) const;  // the weight of the KL term at update `step` (1-based)

 private:
  enum Scratch : int { kl_terms = 0 };
  // What a training pass keeps for its backward (LayerState): whether it sampled, the update it
  // was for, the seed of its ε.
  enum Word : int { sampled = 0, step = 1, seed = 2 };
  float beta_max_;
  int64_t anneal_steps_;
};

}  // namespace sr
