// The floors of every rating table: the global mean of the training ratings, and the damped user
// and item biases around it (engine/data/rating_offsets.h). A learned rating model that does not
// beat the biases has learned nothing beyond who rates high and what is rated high.
#pragma once

#include <vector>

#include "engine/data/rating_offsets.h"
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
  BiasRating(const HostCsr& train_by_user, double lambda_user, double lambda_item)
      : b_(RatingOffsets::fit(train_by_user, lambda_user, lambda_item)) {}
  float predict(int32_t user, int32_t item) const override { return b_.at(user, item); }

 private:
  RatingOffsets b_;
};

}  // namespace sr
