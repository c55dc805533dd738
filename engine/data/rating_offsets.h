// The damped user and item biases of a rating matrix (Koren 2008, "Factorization meets the
// neighborhood", section 2.1): the global mean μ, then
//   b_i = Σ_u (r_ui − μ) / (λ_item + n_i),   b_u = Σ_i (r_ui − μ − b_i) / (λ_user + n_u),
// so that an item or user with a handful of ratings keeps a bias near 0. They are the `biases`
// baseline, and what a residual rating net learns around (BuiltModel::residual_mean_param): its
// rows are r_ui − (b_u + b_i), its predictions that plus the offsets. On sparse data a net that
// learns little then falls back to the biases instead of to the global mean.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/split.h"
#include "kernels/csr.h"

namespace sr {

struct RatingOffsets {
  // The defaults of the `biases` baseline (chosen on a validation split of ML-100K training data).
  static constexpr double kLambdaUser = 10.0, kLambdaItem = 25.0;

  float mean = 0.0f;
  std::vector<float> user, item;

  // From users x items training ratings; refuses a matrix without ratings.
  static RatingOffsets fit(const HostCsr& by_user, double lambda_user = kLambdaUser, double lambda_item = kLambdaItem);
  RatingOffsets without_mean() const {
    RatingOffsets o = *this;
    o.mean = 0.0f;
    return o;
  }
  float at(int32_t u, int32_t i) const { return mean + user[static_cast<size_t>(u)] + item[static_cast<size_t>(i)]; }
  // `m`'s values minus (sign -1) or plus (sign +1) the offsets; `m` is users x items, or items x
  // users when `rows` is items.
  HostCsr apply(HostCsr m, RowsAre rows, float sign) const;
};

}  // namespace sr
