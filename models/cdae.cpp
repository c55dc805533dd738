// CDAE (Wu, DuBois, Zheng & Ester, WSDM 2016): a denoising autoencoder over a user's implicit
// feedback. Input: the user's items, each dropped with probability `corruption` (survivors scaled
// by 1/(1-q)), plus a user node (a column of its own, so the hidden layer adds a per-user vector
// V_u); a sigmoid hidden layer; logits for the user's positives and `negatives` sampled unseen
// items per positive (1 and 0), with the logistic loss — the paper's negative sampling. Scored on
// all items for ranking.
//
// Defaults chosen on the leave-one-out validation split of ML-100K (each user's second latest
// item; `sparserec topn --model cdae ... --validate`): hidden 100 (HR@10 0.698 against 0.651 at
// 50, 0.670 at 200), 5 negatives (0.690 at 3), corruption 0.2 (0.645 at 0.4), 60 epochs (0.612 at
// 30, 0.671 at 100).
//
// One departure: corruption also drops the user node with probability q (the corrupt layer does
// not know columns); with q = 0.2 the node is present in four steps of five.
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_cdae(const ModelOptions& o) {
  const bool user_node = o.flag("user_node");
  const int64_t items = o.n_items(), width = items + (user_node ? o.n_users() : 0);
  Net net("cdae");
  Var x = net.sparse_input("ratings", width);
  Var xc = net.corrupt(x, static_cast<float>(o.real("corruption")), "corrupt");
  Var h = net.dense(xc, o.integer("hidden"), Act::sigmoid, "hidden");
  Var t = net.sparse_input("targets", items);
  Var y = net.sparse_output(h, items, Act::identity, t, "output");
  net.minimize(masked_bce(y, t), l2(static_cast<float>(o.real("l2"))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 0.005f;
  d.epochs = 60;
  d.batch_rows = 64;
  d.negatives = static_cast<int>(o.integer("negatives"));
  BuiltModel m{Task::topn, std::move(net), RowsAre::users, d};
  m.user_node = user_node;
  return m;
}
}  // namespace

ModelEntry cdae_model() {
  return {"cdae",
          Task::topn,
          "CDAE (Wu et al. 2016): a denoising autoencoder over a user's items with a user node",
          {integer("hidden", 100, 1, "units of the sigmoid hidden layer"),
           real("corruption", 0.2, 0.0, 1.0, "probability of dropping each input item (and the user node)", true),
           integer("negatives", 5, 1, "unseen items sampled per positive"),
           real("l2", 0.01, 0.0, kInf, "weight decay of the weight matrices"),
           flag("user_node", true, "a column per user added to the input (the paper's V_u)")},
          build_cdae};
}

}  // namespace sr
