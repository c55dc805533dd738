// Two-tower retrieval (TFRS; Covington et al. 2016, Yi et al. 2019): a user tower over the user's
// history — the bag of their items through the gather primitive (a dense layer on the sparse
// row), input dropout, a tanh layer, then a linear layer to the shared space — and an item tower
// over item ids, the output's table of a vector (and a bias) per item: with ids as the only item
// feature, a learned vector per id is all an item tower can be. Trained on every interaction with
// the item held out of the history, by a softmax over the batch's items and n_sample shared draws
// with the logQ correction (engine/train/two_tower_trainer.h). Scored as u·v_i + c_i: one GEMM per
// block of users against the item table, and the item vectors are what an ANN index holds.
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_two_tower(const ModelOptions& o) {
  const int64_t items = o.n_items();
  Net net("twotower");
  Var x = net.sparse_input("ratings", items);
  Var xc = net.corrupt(x, static_cast<float>(o.real("dropout")), "dropout");
  Var h = net.dense(xc, o.integer("hidden"), Act::tanh, "user_tower");
  Var u = net.dense(h, o.integer("dim"), Act::identity, "user");
  Var t = net.sparse_input("targets", items);
  Var y = net.sparse_output(u, items, Act::identity, t, "item");
  InBatchSampling s;
  s.n_sample = static_cast<int>(o.integer("n_sample"));
  s.alpha = static_cast<float>(o.real("alpha"));
  s.logq = o.flag("logq");
  Var scores = s.logq ? net.shift(y, net.sparse_input("logq", items), "logq_correction") : y;
  net.minimize(ranking(RankLoss::xent, scores, t), l2(static_cast<float>(o.real("l2"))));
  net.set_output(y);  // inference: the scores without the training-time correction
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 0.001f;
  d.epochs = 30;
  d.batch_rows = 256;
  d.negatives = -1;  // no per-positive negatives: the batch's candidates
  BuiltModel m{Task::topn, std::move(net), RowsAre::users, d};
  m.in_batch = s;
  return m;
}
}  // namespace

ModelEntry two_tower_model() {
  return {"twotower",
          Task::topn,
          "Two-tower retrieval (TFRS): a user tower over the history, item vectors, in-batch softmax with logQ",
          {integer("hidden", 200, 1, "units of the user tower's tanh layer"),
           integer("dim", 64, 1, "width of the user and item vectors"),
           real("dropout", 0.5, 0.0, 1.0, "dropout of the history's items", true),
           integer("n_sample", 1024, 0, "items drawn per batch as extra negatives"),
           real("alpha", 0.0, 0.0, 1.0, "the draws ∝ popularity^alpha (0: uniform)"),
           flag("logq", true, "subtract log of each candidate's expected count from its logit"),
           real("l2", 0.0, 0.0, kInf, "weight decay of the weight matrices")},
          build_two_tower};
}

}  // namespace sr
