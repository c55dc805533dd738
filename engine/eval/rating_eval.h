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
// vector (part train).
RatingMetrics evaluate_ratings(Exec& ex, Var input, Var output, const Dataset& d, const Split& s, Part heldout,
                               RowsAre rows);

}  // namespace sr
