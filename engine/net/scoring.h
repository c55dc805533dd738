// Inference through an executor: the scores a model gives, for ranking and evaluation. Each runs
// the layers a score needs (Exec::run_until) and asks the output layer for them.
#pragma once

#include <vector>

#include "engine/net/exec.h"

namespace sr {

// Every column's score for the bound rows, rows x width: a sparse output's scores of every item
// (its dense path), or a dense output (full-softmax logits) computed without its loss; inputs the
// output does not need stay unbound.
Tensor all_scores(Exec& ex, Var output);

// Scores of a sparse output at its pattern's nonzeros, after Exec::forward.
std::vector<float> sparse_values(Exec& ex, Var sparse_output);

// The input of a sparse output (its hidden representation) for the bound rows.
Tensor output_input(Exec& ex, Var sparse_output);

// Scores of the listed columns of a sparse output for all rows of h_all: h_all.rows x n_columns,
// or with `columns_as_rows` n_columns x h_all.rows (item-based models rank a user's column over
// every item row; as rows, each user's scores are contiguous for the top-K).
Tensor column_scores(Exec& ex, Var sparse_output, const Tensor& h_all, const IndexArray& columns,
                     bool columns_as_rows = false);

}  // namespace sr
