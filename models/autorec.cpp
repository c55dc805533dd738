// AutoRec (Sedhain, Menon, Sanner & Xie, WWW 2015). Item-based (I-AutoRec, the paper's best):
// each item is a sparse vector of its users' ratings; a sigmoid hidden layer; an identity output
// scored only where a rating was observed; squared error plus l2/2·||W||². The paper trains it
// full-batch with a second-order-free method (L-BFGS / Rprop); Rprop is the default here.
#include "models/models.h"

namespace sr {

BuiltModel build_autorec(ModelOptions& o) {
  const bool item_based = o.get_string("variant", "item", {"item", "user"}) == "item";
  const int64_t width = item_based ? o.n_users() : o.n_items();
  Net net("autorec");
  Var x = net.sparse_input("ratings", width);
  Var h = net.dense(x, o.get_int("hidden", 500), Act::sigmoid, "hidden");
  Var y = net.sparse_output(h, width, Act::identity, x, "output");
  // l2 = 200 was chosen on a validation split of ML-100K training data (10 % of it; see README).
  net.minimize(masked_mse(y, x), l2(static_cast<float>(o.get_double("l2", 200.0))));
  TrainDefaults d;
  d.optimizer = "rprop";
  d.lr = 0.01f;  // Rprop's initial step size
  d.epochs = 120;
  d.batch_rows = 0;  // full batch
  return {std::move(net), item_based ? RowsAre::items : RowsAre::users, d};
}

}  // namespace sr
