// Ratings as K-way softmax units (RBM-CF): rating r of item i becomes the K columns i·K + k,
// valued 1 at k = r - 1 and 0 elsewhere, so the visible units of an item are K adjacent columns.
#pragma once

#include <vector>

#include "kernels/csr.h"

namespace sr {

// `m`'s ratings must be integers 1..levels; throws naming the first that is not (row, column,
// value). With `one_hot` the K columns carry the rating's one-hot values, else the pattern only.
HostCsr expand_rating_levels(const HostCsr& m, int levels, bool one_hot);

// For logits in groups of `levels` (one group per rating), the expected rating Σ_k (k+1)·softmax_k.
std::vector<float> expected_ratings(const std::vector<float>& logits, int levels);

}  // namespace sr
