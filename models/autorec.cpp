// AutoRec (Sedhain, Menon, Sanner & Xie, WWW 2015). Item-based (I-AutoRec, the paper's best):
// each item is a sparse vector of its users' ratings; a sigmoid hidden layer; an identity output
// scored only where a rating was observed; squared error plus l2/2·||W||². The paper trains it
// full-batch with a second-order-free method (L-BFGS / Rprop); Rprop is the default here.
//
// The orientation is chosen on the validation part (variant=auto, the default; as RBM-CF's): item
// rows win on ML-100K (validation RMSE 0.8839 against 0.9118), its long tail and half stars and the
// 1 % and 5 % synthetic sets; user rows on ML-100K thinned to 20 % (0.9550 against 0.9934) and the
// 0.1 % synthetic set (1.0279 against 1.0583) — and the test RMSE followed the validation choice
// on all seven (tools/results/2026-12-02-orientation-cpu.md).
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_autorec(const ModelOptions& o) {
  const bool item_based = o.choice("variant") == "item";
  const int64_t width = item_based ? o.n_users() : o.n_items();
  Net net("autorec");
  Var x = net.sparse_input("ratings", width);
  Var h = net.dense(x, o.integer("hidden"), Act::sigmoid, "hidden");
  Var y = net.sparse_output(h, width, Act::identity, x, "output");
  net.minimize(masked_mse(y, x), l2(static_cast<float>(o.real("l2"))));
  const bool residual = o.flag("residual");
  // A residual net starts as its biases exactly (zero output weights; the output bias at the mean).
  if (residual) net.start_at_zero("output.weight");
  TrainDefaults d;
  d.optimizer = "rprop";
  d.lr = 0.01f;  // Rprop's initial step size
  d.epochs = 120;
  d.batch_rows = 0;  // full batch
  BuiltModel m{Task::ratings, std::move(net), item_based ? RowsAre::items : RowsAre::users, d};
  if (residual) m.residual_mean_param = "output.bias";
  return m;
}
}  // namespace

ModelEntry autorec_model() {
  return {"autorec",
          Task::ratings,
          "AutoRec (Sedhain et al. 2015): an autoencoder over a row of the rating matrix",
          {chosen_on_validation("variant", {"item", "user"}, "item",
                                "rows are items (I-AutoRec, the paper's best) or users (U-AutoRec); auto: both trained "
                                "with early stopping, the better on the validation part kept (item without it)"),
           integer("hidden", 500, 1, "units of the sigmoid hidden layer"),
           // 200 was chosen on a validation split of ML-100K training data (10 % of it; see README).
           real("l2", 200.0, 0.0, kInf, "weight decay: adds l2/2 · ||W||² over the weight matrices"),
           // On by default: better on every rating set of the robustness table, ML-100K included.
           flag("residual", true,
                "learn around the damped user and item biases: rows of ratings minus b_u + b_i in, the biases "
                "added to the predictions, starting from them (on sparse data it falls back to the biases)")},
          build_autorec};
}

}  // namespace sr
