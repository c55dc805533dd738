// CFGAN (Chae, Kang, Kim & Lee, CIKM 2018): a conditional GAN whose generator outputs a user's
// whole purchase vector from the user's purchases (no noise input, as the paper's final model),
// judged by a discriminator that sees it masked to the purchases plus sampled unpurchased items
// (partial masking) beside the purchases themselves, with zero reconstruction pulling sampled
// unpurchased items to 0 (the paper's CFGAN-ZP). Ranked by the generator's output.
//   G: purchases → dense(hidden_g, sigmoid) → dense(n, identity) = r̂
//   D: [condition | vector] (2n) → dense(hidden_d, sigmoid) → dense(1) = logit
// Trained by engine/train/adversarial_step.h (one step updates G and D from one pass).
//
// Defaults: the widths, ratios, zero-reconstruction weight, batch 32, Adam and learning rate 1e-4 of
// the authors' code for ML-100K (hidden 400 and 125, 70 % of unpurchased items for each mask,
// α = 0.03); its weight decay (0.001 on G, 0 on D) becomes one l2 over both. Learning rates on the
// leave-one-out validation split (`topn --validate`, validation NDCG@20 after a fixed number of
// epochs): ML-100K 0.0853 at 1e-3 and 0.0951 at 3e-4 (200 epochs), 0.0952 at 1e-4 and 0.1024 at
// 3e-4 (400); ML-100K thinned to half its ratings, 400 epochs: 0.0478 at 1e-4, 0.0393 at 3e-4,
// 0.0362 at 1e-3 — so the authors' 1e-4, with up to 400 epochs (early stopping chooses).
// The generator's output is linear, as in the authors' code (its last layer has no activation).
// Departures: users are the rows (the authors' code trains item rows on ML-100K); G and D update
// together every step (adversarial_step.h).
#include "engine/train/adversarial_step.h"
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_cfgan(const ModelOptions& o) {
  const int64_t items = o.n_items();
  Net net("cfgan");
  Var c = net.sparse_input("ratings", items);
  Var hg = net.dense(c, o.integer("hidden_g"), Act::sigmoid, "gen_hidden");
  Var r = net.dense(hg, items, Act::identity, "gen_output");
  Var x = net.discriminator_input(c, r, static_cast<float>(o.real("pm_ratio")), "disc_input");
  Var hd = net.dense(x, o.integer("hidden_d"), Act::sigmoid, "disc_hidden");
  Var z = net.dense(hd, 1, Act::identity, "disc_output");
  net.set_output(r);
  net.set_regularizer(l2(static_cast<float>(o.real("l2"))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 1e-4f;
  d.epochs = 400;
  d.batch_rows = 32;
  d.negatives = -1;  // no sampled negatives: its input is its target
  BuiltModel m{Task::topn, std::move(net), RowsAre::users, d};
  const AdversarialVars v{r, x, z};
  const auto zr_ratio = static_cast<float>(o.real("zr_ratio")), zr_weight = static_cast<float>(o.real("zr_weight"));
  m.make_step = [v, zr_ratio, zr_weight] { return std::make_unique<AdversarialStep>(v, zr_ratio, zr_weight); };
  return m;
}
}  // namespace

ModelEntry cfgan_model() {
  return {"cfgan",
          Task::topn,
          "CFGAN (Chae et al. 2018): a conditional GAN generating each user's purchase vector",
          {integer("hidden_g", 400, 1, "units of the generator's sigmoid hidden layer"),
           integer("hidden_d", 125, 1, "units of the discriminator's sigmoid hidden layer"),
           real("pm_ratio", 0.7, 0.0, 1.0, "share of unpurchased items the discriminator also sees (partial masking)"),
           real("zr_ratio", 0.7, 0.0, 1.0, "share of unpurchased items pulled to 0 (zero reconstruction)"),
           real("zr_weight", 0.03, 0.0, kInf, "weight of the zero-reconstruction term"),
           real("l2", 0.001, 0.0, kInf, "weight decay of the weight matrices")},
          build_cfgan};
}

}  // namespace sr
