// Ratings as K-way softmax units (RBM-CF): a rating scale of K levels lo, lo + step, ...,
// lo + (K-1)·step (1..5 stars, or 0.5..5 in half stars); rating r of item i becomes the K columns
// i·K + k, valued 1 at r's level k and 0 elsewhere, so the visible units of an item are K adjacent
// columns.
#pragma once

#include <string>
#include <vector>

#include "kernels/csr.h"

namespace sr {

struct RatingScale {
  float lo = 1.0f, step = 1.0f;
  int levels = 5;
  float value(int k) const { return lo + static_cast<float>(k) * step; }
  // The level of rating `r`; throws naming `where` and the scale when r is not on it.
  int level(float r, const std::string& where) const;
  std::string describe() const;  // "1..5 in steps of 1 (5 levels)"
};

// The scale of `ratings` (e.g. the training ratings): from the lowest to the highest in steps of
// the smallest gap between two distinct values. Throws when some value lies off that grid or the
// scale would need more than `max_levels` levels (continuous ratings have no softmax levels).
RatingScale rating_scale_of(const std::vector<float>& ratings, int max_levels = 100);

// With `one_hot` the K columns carry the rating's one-hot values, else the pattern only; throws
// naming the first rating off the scale (row, column, value).
HostCsr expand_rating_levels(const HostCsr& m, const RatingScale& scale, bool one_hot);

// For logits in groups of `scale.levels` (one group per rating), the expected rating
// Σ_k value(k)·softmax_k.
std::vector<float> expected_ratings(const std::vector<float>& logits, const RatingScale& scale);

}  // namespace sr
