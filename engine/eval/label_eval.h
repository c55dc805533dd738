// Click-through-style metrics of a ranker over labelled pairs (DeepFM and DCN-v2's protocol on
// rating data: a rating >= a threshold is a positive, any lower rating a negative): the area under
// the ROC curve (the chance that a random positive scores above a random negative, ties counting
// half) and the log loss of σ(score) against the labels.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/split.h"

namespace sr {

struct LabelMetrics {
  double auc = 0.5, logloss = 0.0;
  double positive_rate = 0.0;  // of the pairs scored
  int64_t n = 0;
};

// Metrics of logits `scores` against 0/1 `labels`. AUC is 0.5 when one class is absent; a
// probability is clamped to [1e-7, 1 - 1e-7] before its log. A score that is not finite is refused.
LabelMetrics label_metrics(const std::vector<float>& scores, const std::vector<float>& labels);

// The labels of part `p`'s events (rating >= positive_at: 1, else 0), by user then entry, with
// their users and items: the pairs a ranker is scored on.
struct LabelledPairs {
  std::vector<int32_t> users, items;
  std::vector<float> labels;
};
LabelledPairs labelled_pairs(const Dataset& d, const Split& s, Part p, float positive_at);

// The log loss and AUC of always predicting the positive rate of part `train` (AUC 0.5): the
// trivial baseline a ranker must beat.
LabelMetrics base_rate_metrics(const Dataset& d, const Split& s, Part heldout, float positive_at);

}  // namespace sr
