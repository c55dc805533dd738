// Rating prediction metrics (BENCHMARKS.md): RMSE and MAE on held-out ratings, predictions
// clipped to the rating range; a user or item with no training rating falls back to the mean.
#pragma once

#include "engine/data/split.h"
#include "engine/net/exec.h"

namespace sr {

struct RatingMetrics {
  double rmse = 0.0, mae = 0.0;
  int64_t n = 0, n_fallback = 0;
};

// Scores the model's sparse output at the events of part `heldout`, feeding each row's training
// vector (part train). With `levels` > 0 the input is the ratings as softmax levels and the
// prediction the expected rating over the output's logits per level (RBM-CF).
RatingMetrics evaluate_ratings(Exec& ex, Var input, Var output, const Dataset& d, const Split& s, Part heldout,
                               RowsAre rows, int levels = 0);

// The metrics of predictions `pred` for the nonzeros of `heldout_m` (in CSR order), with the
// training matrix `train_m` of the same orientation deciding which rows and columns are unseen.
RatingMetrics rating_metrics(const Dataset& d, const Split& s, const HostCsr& train_m, const HostCsr& heldout_m,
                             const std::vector<float>& pred);

}  // namespace sr
