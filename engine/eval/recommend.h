// Top-K recommendation per user from a model's sparse output, excluding the items the user rated
// in training. Scores come from the device in row chunks; the selection runs on the host (the
// batched top-K kernel comes with the model zoo's full-ranking evaluation).
#pragma once

#include <utility>
#include <vector>

#include "engine/data/ratings.h"
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
