// Rating prediction metrics (BENCHMARKS.md): RMSE and MAE on held-out ratings, predictions
// clipped to the range of the training ratings; a user or item with no training rating falls back
// to the mean.
#pragma once

#include <algorithm>
#include <vector>

#include "engine/data/rating_levels.h"
#include "engine/data/rating_offsets.h"
#include "engine/data/split.h"
#include "engine/net/exec.h"

namespace sr {

struct RatingMetrics {
  double rmse = 0.0, mae = 0.0;
  int64_t n = 0, n_fallback = 0;
};

// Scores the model's sparse output at the events of part `heldout`, feeding each row's training
// vector (part train). With a rating scale `levels` the input is the ratings as softmax levels and
// the prediction the expected rating over the output's logits per level (RBM-CF). With `offsets`
// (a residual net) the input is the training ratings minus them and the prediction the output
// plus them.
RatingMetrics evaluate_ratings(Exec& ex, Var input, Var output, const Dataset& d, const Split& s, Part heldout,
                               RowsAre rows, const RatingScale* levels = nullptr,
                               const RatingOffsets* offsets = nullptr);

// The lowest and highest of `ratings` (the training ratings): what a prediction is clipped to, so
// that no model predicts outside the scale its data uses (a layout's range can be wider).
struct RatingRange {
  float lo = 0.0f, hi = 0.0f;
  float clip(float p) const { return std::clamp(p, lo, hi); }
};
RatingRange observed_range(const std::vector<float>& ratings);

// The metrics of predictions `pred` for the nonzeros of `heldout_m` (in CSR order), with the
// training matrix `train_m` of the same orientation deciding which rows and columns are unseen.
RatingMetrics rating_metrics(const Dataset& d, const Split& s, const HostCsr& train_m, const HostCsr& heldout_m,
                             const std::vector<float>& pred);

// A rating model without a net (the global mean, user and item biases): fitted on the training
// ratings by user, it predicts a rating for any (user, item) of the same index space.
class RatingPredictor {
 public:
  virtual ~RatingPredictor() = default;
  virtual float predict(int32_t user, int32_t item) const = 0;
};

// The metrics of `p`'s predictions for part `heldout`, by the same rules as a net's.
RatingMetrics evaluate_ratings(const RatingPredictor& p, const Dataset& d, const Split& s, Part heldout);

}  // namespace sr
