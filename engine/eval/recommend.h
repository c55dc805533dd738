// Top-K recommendation per user from a model's sparse output, excluding the items the user rated
// in training. Scores and the selection (the batched top-K op) stay on the device, a chunk of
// users at a time; only k items per user come back.
#pragma once

#include <utility>
#include <vector>

#include "engine/data/split.h"
#include "engine/net/exec.h"

namespace sr {

struct Scored {
  int32_t item;
  float score;
};

// For each user in `users` (dense indices), the k best unseen items, best first; ties go to the
// lower item index. `train_by_row` is the training matrix in the model's orientation.
std::vector<std::vector<Scored>> recommend_topk(Exec& ex, Var input, Var output, const HostCsr& train_by_row,
                                                RowsAre rows, const std::vector<int32_t>& users, int k);

}  // namespace sr
