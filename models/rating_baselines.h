// The floors of every rating table: the global mean of the training ratings, and the damped user
// and item biases around it (Koren 2008, "Factorization meets the neighborhood", section 2.1):
//   b_i = Σ_u (r_ui − μ) / (λ_item + n_i),   b_u = Σ_i (r_ui − μ − b_i) / (λ_user + n_u),
// so that an item rated a handful of times keeps a bias near 0. A learned rating model that does
// not beat the biases has learned nothing beyond who rates high and what is rated high.
#pragma once

#include <vector>

#include "engine/eval/rating_eval.h"
#include "kernels/csr.h"

namespace sr {

class MeanRating final : public RatingPredictor {
 public:
  explicit MeanRating(const HostCsr& train_by_user);
  float predict(int32_t, int32_t) const override { return mean_; }

 private:
  float mean_ = 0.0f;
};

class BiasRating final : public RatingPredictor {
 public:
  BiasRating(const HostCsr& train_by_user, double lambda_user, double lambda_item);
  float predict(int32_t user, int32_t item) const override { return mean_ + user_[user] + item_[item]; }

 private:
  float mean_ = 0.0f;
  std::vector<float> user_, item_;
};

}  // namespace sr
