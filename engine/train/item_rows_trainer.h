// Training and scoring of nets whose rows are items and whose output predicts each item's users
// (the cold-start hybrid's models, engine/data/cold_start.h): a sparse output over the users,
// scored at each row's users (1) and `negatives` sampled users per positive (0) under the logistic
// loss, so that a score is the probability that the user has the item and scores compare across
// items. The input is either a sparse row per item (a DAE over the item's users and side fields)
// or the item's title as time-major characters (a character CNN).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/train/trainer.h"
#include "kernels/csr.h"

namespace sr {

struct ItemRowsNet {
  Var input;                // a row per item, or "chars" (time-major characters) for a title net
  Var targets;              // the users to score a row at (its positives and sampled negatives)
  Var output;               // the sparse output over the users
  int64_t title_steps = 0;  // > 0: `input` is the title characters over this many steps
};

// Trains on the rows of `positives` (rows x users). A row net reads row r of `inputs`; a title net
// reads the title of items[r] from `titles` (a title per item index).
void train_item_rows(Exec& ex, const ItemRowsNet& net, const HostCsr& inputs, std::span<const std::string> titles,
                     std::span<const int32_t> items, const HostCsr& positives, int negatives, const TrainConfig& config,
                     TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch);

// The probability (the sigmoid of the output) of every user for each of `rows` items: a row net
// reads inputs' rows, a title net the items' titles. rows x users, row-major, `chunk` rows a pass.
std::vector<float> score_item_rows(Exec& ex, const ItemRowsNet& net, const HostCsr& inputs,
                                   std::span<const std::string> titles, int64_t rows, int64_t chunk = 256);

}  // namespace sr
