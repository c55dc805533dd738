// RBM-CF (Salakhutdinov, Mnih & Hinton, ICML 2007): one RBM per user sharing weights, with a
// K-way softmax visible unit for each item the user rated (its K columns in the expanded input,
// engine/data/rating_levels.h) and F binary hidden units; W is shared by both directions
// (tied_sparse_output). Trained by CD-k (engine/train/cd_step.h) with k rising 1 → 3 → 5 → 9 over
// training, SGD with momentum and weight decay. An unrated item's prediction is its expected
// rating under softmax_K(c + W·p̂) with p̂ the hidden probabilities given the user's ratings.
//
// variant=item|user: a row is an item, its visible units the users who rated it, or the reverse.
// Neither wins everywhere: the I-RBM beat the U-RBM on ML-100K's validation split (`--validate
// 0.1`, the test split unused), RMSE 0.9169 against 0.9478 at the same settings, and on its long
// tail and half stars; the U-RBM won on ML-100K thinned to 20 % and the synthetic sets (1.0138
// against 1.0600 thinned; tools/results/2026-12-02-rbm-prior-mlp-cpu.md), and no rule of the
// matrix's shape or density separates them. So the default, variant=auto, trains both with early
// stopping and keeps the better on the validation part (engine/train/option_choice.h).
// Defaults: the paper's F = 100, momentum 0.9 and weight decay (l2) 0.001; lr 0.01 (on the
// batch-averaged gradient), batch 50 and 40 epochs chosen on that split (lr 0.02 for 60 epochs
// 0.9441, lr 0.03 0.9425, lr 0.05 for 20 epochs 0.9326, batch 20 for 100 epochs 0.9734: more
// learning overfits). Visible biases started at each item's rating-level log frequencies
// (Hinton's guide) did not help there. Started at the log shares of the levels over all training
// ratings (level_prior, the default), the untrained net predicts the global mean instead of the
// middle of the scale; validation RMSE with early stopping, with / without (robustness sets,
// tools/results/2026-12-02-rbm-prior-mlp-cpu.md): synth 0.1 % 1.0894 / 1.1291 (the mean's bar
// passed), 1 % 1.0754 / 1.0819, 5 % 0.9393 / 0.9632, ML-100K thinned to 20 % 1.0600 / 1.0653,
// its long tail 0.9403 / 0.9425, half stars 0.9676 / 0.9725; ML-100K 0.9189 / 0.9169.
#include <iomanip>
#include <sstream>

#include "engine/train/cd_step.h"
#include "models/models.h"

namespace sr {

namespace {
// The rating scale of the softmax units: the data's (its distinct training ratings on their grid:
// 1..5 stars, or half stars 0.5..5 as 10 levels) unless levels= is given (then the ratings
// 1..levels), each part overridden by its option.
RatingScale scale_of(const ModelOptions& o) {
  RatingScale s;  // 1..5 when neither the options nor the data say
  if (!o.given("levels") && !o.rating_values().empty()) s = rating_scale_of(o.rating_values());
  s.levels = static_cast<int>(o.integer_or("levels", s.levels));
  s.lo = static_cast<float>(o.real_or("rating_min", s.lo));
  s.step = static_cast<float>(o.real_or("rating_step", s.step));
  return s;
}

std::string exact_text(float v) {
  std::ostringstream os;
  os << std::setprecision(9) << v;  // enough digits to read back the same float
  return os.str();
}

BuiltModel build_rbm(const ModelOptions& o) {
  const RatingScale scale = scale_of(o);
  const int levels = scale.levels;
  const int k_max = static_cast<int>(o.integer("cd_k"));
  Net net("rbm");
  RbmVars v;
  v.levels = levels;
  const bool item_based = o.choice("variant") == "item";
  v.input = net.sparse_input("ratings", (item_based ? o.n_users() : o.n_items()) * levels);
  v.hidden = net.dense(v.input, o.integer("hidden"), Act::sigmoid, "hidden");
  v.visible = net.tied_sparse_output(v.hidden, v.input, v.hidden, "visible");
  // No loss: CD follows no objective's gradient. The regularizer's l2 is the weight decay.
  net.set_regularizer(l2(static_cast<float>(o.real("l2"))));
  net.set_output(v.visible);
  TrainDefaults d;
  d.optimizer = "sgd";
  d.lr = 0.01f;
  d.momentum = static_cast<float>(o.real("momentum"));
  d.epochs = 40;
  d.batch_rows = 50;
  BuiltModel m{Task::ratings, std::move(net), item_based ? RowsAre::items : RowsAre::users, d};
  m.rating_levels = scale;
  m.derived_options = {{"levels", std::to_string(scale.levels)},
                       {"rating_min", exact_text(scale.lo)},
                       {"rating_step", exact_text(scale.step)}};
  if (o.flag("level_prior")) m.level_prior_param = "visible.bias";
  m.make_step = [v, k_max] { return std::make_unique<CdStep>(v, k_max); };
  return m;
}
}  // namespace

ModelEntry rbm_model() {
  return {"rbm",
          Task::ratings,
          "RBM-CF (Salakhutdinov et al. 2007): softmax visible units, trained by contrastive divergence",
          {chosen_on_validation("variant", {"item", "user"}, "item",
                                "rows are items or users; auto: both trained with early stopping, the better "
                                "on the validation part kept (item without early stopping)"),
           integer("hidden", 100, 1, "binary hidden units"),
           derived(integer("levels", 0, 2, "rating levels, each a softmax unit"),
                   "the training ratings' distinct values on their grid (1..5 stars: 5; half stars: 10); "
                   "given alone: the ratings 1..levels"),
           derived(real("rating_min", 0, -kInf, kInf, "the lowest level's rating"),
                   "the lowest training rating (with levels=: 1)"),
           derived(real("rating_step", 0, 1e-6, kInf, "ratings between adjacent levels"),
                   "the smallest gap between distinct training ratings (with levels=: 1)"),
           integer("cd_k", 9, 1, "the most Gibbs steps of CD-k (k rises 1, 3, 5, 9 over training)"),
           real("momentum", 0.9, 0.0, 1.0, "SGD momentum", true), real("l2", 0.001, 0.0, kInf, "weight decay"),
           flag("level_prior", true,
                "start the visible biases at the log shares of the training ratings' levels (the untrained net "
                "predicts their mean; else the middle of the scale)")},
          build_rbm};
}

}  // namespace sr
