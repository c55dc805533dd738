// The cold-start protocol's measures (engine/data/cold_start.h): Recall@k of a score matrix over a
// set of candidate items (the cold ones, or the warm ones), and the content baseline "popularity
// within genre".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/csr.h"

namespace sr {

struct RecallAt {
  double recall = 0.0;
  int64_t users = 0;  // users with a relevant candidate
};

// Recall@k (Liang et al. 2018: hits in the top k over min(k, relevant)) of `scores` (users x items,
// row-major) for every user with a relevant item (`relevant`, users x items, columns sorted in each
// row) among the candidates:
// the items marked in `candidate`, less the user's row of `exclude` (its training items; may be
// null). Ties are broken by `priority` (higher first; a random order of the items, the same for
// every method, so that a method that cannot tell items apart scores as chance).
RecallAt recall_at(std::span<const float> scores, const HostCsr& relevant, std::span<const uint8_t> candidate,
                   const HostCsr* exclude, int k, std::span<const uint32_t> priority);

// A random priority per item, drawn by `seed`.
std::vector<uint32_t> tie_priority(int64_t items, uint64_t seed);

// Popularity within genre: the user's affinity to the item's categories times the item's training
// popularity plus one (so that a cold item is ranked by affinity alone). The affinity is
// Σ_{c of item i} share[u, c], share[u, c] the share of the user's training items that have
// category c (a genre; the values of `item_side` are not read, only where it has entries): how
// much of the user's history lies in the item's genres. users x items, row-major.
std::vector<float> genre_popularity_scores(const HostCsr& train_by_user, const HostCsr& item_side);

// items x users (row-major) as users x items; any rows x cols matrix the same way.
std::vector<float> transpose_scores(std::span<const float> by_item, int64_t items, int64_t users);

}  // namespace sr
