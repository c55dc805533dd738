#include "models/pair_model.h"

namespace sr {

BuiltModel implicit_pair_model(Net net, Var logit, Var label, const ModelOptions& o, float lr) {
  net.minimize(masked_bce(logit, label), l2(static_cast<float>(o.real("l2"))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = lr;
  d.epochs = 20;
  d.batch_rows = 256;  // positives per batch (each with its negatives)
  d.negatives = static_cast<int>(o.integer("negatives"));
  BuiltModel m{Task::topn, std::move(net), RowsAre::users, d};
  m.pairs = true;
  return m;
}

}  // namespace sr
