// Top-K recommendation per user from a model's sparse output, excluding the items the user rated
// in training. Scores and the selection (the batched top-K op) stay on the device, a chunk of
// users at a time; only k items per user come back.
#pragma once

#include <utility>
#include <vector>

#include "engine/data/rating_levels.h"
#include "engine/data/split.h"
#include "engine/eval/scored.h"
#include "engine/net/exec.h"

namespace sr {

// For each user in `users` (dense indices), the k best items the user has not seen, best first;
// ties go to the lower item index. `inputs` are the rows the net reads, in its orientation (rows
// are `rows`; rating levels and a user node already applied); `seen_by_user` (users x items) what
// each user has seen. With a rating scale `levels` the output holds a logit per rating level of
// each item (RBM-CF) and an item's score is its expected rating. Item-based models (rows are
// items) score through the hidden rows of every item: `item_hidden` (item_hidden_rows), or
// collected anew by this call. `item_offsets` (one per item) are added to every user's scores
// before the top-K (a residual net's item biases).
std::vector<std::vector<Scored>> recommend_topk(Exec& ex, Var input, Var output, const HostCsr& inputs,
                                                const HostCsr& seen_by_user, RowsAre rows,
                                                const std::vector<int32_t>& users, int k,
                                                const RatingScale* levels = nullptr,
                                                const Tensor* item_hidden = nullptr,
                                                const std::vector<float>* item_offsets = nullptr);

// The output layer's input for every row of `inputs` (items x hidden, on the device): what an
// item-based model's scores of any user are made from, computed once for a batch of calls.
Tensor item_hidden_rows(Exec& ex, Var input, Var output, const HostCsr& inputs);

// The device top-K of each row of `scores` (n_users x n_items, or its transpose), excluding the
// items listed in each row of `seen_rows`.
std::vector<std::vector<Scored>> select_topk(Backend& be, const Tensor& scores, int64_t n_users, int64_t n_items,
                                             bool transposed, const HostCsr& seen_rows, int k);
// The same for the rows of a row-major rows x cols matrix, nothing excluded (nearest neighbours).
std::vector<std::vector<Scored>> select_topk(Backend& be, const Tensor& scores, int64_t rows, int64_t cols, int k);

}  // namespace sr
