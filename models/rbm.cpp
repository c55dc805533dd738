// RBM-CF (Salakhutdinov, Mnih & Hinton, ICML 2007): one RBM per user sharing weights, with a
// K-way softmax visible unit for each item the user rated (its K columns in the expanded input,
// engine/data/rating_levels.h) and F binary hidden units; W is shared by both directions
// (tied_sparse_output). Trained by CD-k (engine/train/cd_step.h) with k rising 1 → 3 → 5 → 9 over
// training, SGD with momentum and weight decay. An unrated item's prediction is its expected
// rating under softmax_K(c + W·p̂) with p̂ the hidden probabilities given the user's ratings.
//
// Item-based by default (variant=item|user): a row is an item, its visible units the users who
// rated it — as I-AutoRec beats U-AutoRec, the I-RBM beat the U-RBM on ML-100K's validation split
// (`--validate 0.1`, the test split unused): RMSE 0.9169 against 0.9478 at the same settings.
// Defaults: the paper's F = 100, momentum 0.9 and weight decay (l2) 0.001; lr 0.01 (on the
// batch-averaged gradient), batch 50 and 40 epochs chosen on that split (lr 0.02 for 60 epochs
// 0.9441, lr 0.03 0.9425, lr 0.05 for 20 epochs 0.9326, batch 20 for 100 epochs 0.9734: more
// learning overfits). Visible biases started at each item's rating-level log frequencies
// (Hinton's guide) did not help and are not used.
#include "engine/train/cd_step.h"
#include "models/models.h"

namespace sr {

BuiltModel build_rbm(ModelOptions& o) {
  const int levels = static_cast<int>(o.get_int("levels", 5));
  const int k_max = static_cast<int>(o.get_int("cd_k", 9));
  if (levels < 2) throw error("option levels=", levels, ": an RBM needs at least 2 rating levels");
  if (k_max < 1) throw error("option cd_k=", k_max, ": must be at least 1");
  Net net("rbm");
  RbmVars v;
  v.levels = levels;
  const bool item_based = o.get_string("variant", "item", {"item", "user"}) == "item";
  v.input = net.sparse_input("ratings", (item_based ? o.n_users() : o.n_items()) * levels);
  v.hidden = net.dense(v.input, o.get_int("hidden", 100), Act::sigmoid, "hidden");
  v.visible = net.tied_sparse_output(v.hidden, v.input, v.hidden, "visible");
  // No loss: CD follows no objective's gradient. The regularizer's l2 is the weight decay.
  net.set_regularizer(l2(static_cast<float>(o.get_double("l2", 0.001))));
  net.set_output(v.visible);
  TrainDefaults d;
  d.optimizer = "sgd";
  d.lr = 0.01f;
  d.momentum = static_cast<float>(o.get_double("momentum", 0.9));
  d.epochs = 40;
  d.batch_rows = 50;
  BuiltModel m{std::move(net), item_based ? RowsAre::items : RowsAre::users, d};
  m.rating_levels = levels;
  m.make_step = [v, k_max] { return std::make_unique<CdStep>(v, k_max); };
  return m;
}

}  // namespace sr
