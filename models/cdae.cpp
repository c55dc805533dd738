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

BuiltModel build_cdae(ModelOptions& o) {
  const bool user_node = o.get_int("user_node", 1) != 0;
  const int64_t items = o.n_items(), width = items + (user_node ? o.n_users() : 0);
  Net net("cdae");
  Var x = net.sparse_input("ratings", width);
  Var xc = net.corrupt(x, static_cast<float>(o.get_double("corruption", 0.2)), "corrupt");
  Var h = net.dense(xc, o.get_int("hidden", 100), Act::sigmoid, "hidden");
  Var t = net.sparse_input("targets", items);
  Var y = net.sparse_output(h, items, Act::identity, t, "output");
  net.minimize(masked_bce(y, t), l2(static_cast<float>(o.get_double("l2", 0.01))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 0.005f;
  d.epochs = 60;
  d.batch_rows = 64;
  d.negatives = static_cast<int>(o.get_int("negatives", 5));
  BuiltModel m{std::move(net), RowsAre::users, d};
  m.user_node = user_node;
  return m;
}

}  // namespace sr
