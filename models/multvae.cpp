// Mult-VAE (Liang, Krishnan, Hoffman & Jebara, WWW 2018): a variational autoencoder over a user's
// items with a multinomial likelihood. Dropout on the input, a tanh encoder layer, the mean and
// log-variance of a Gaussian latent code, a sample of it in training (its mean otherwise), a tanh
// decoder layer and logits for every item under a full softmax; the KL term's weight β is annealed
// from 0 to beta (the paper's partial regularization, β ≤ 1) over `anneal_steps` training steps.
// Ranked by the logits of the latent mean.
//
// Defaults: the paper's architecture [items → 600 → 200 → 600 → items], dropout 0.5, β 0.2 and
// Adam lr 0.001. The paper anneals over 200,000 steps on ML-20M; ML-100K has 10 steps an epoch,
// so 1,000 (β reaches 0.2 at the last epoch) was chosen on the leave-one-out validation split:
// Recall@20 0.246, NDCG@20 0.1005 (HR@10 0.695) against 0.243 / 0.098 for 2,000 steps, 0.233 /
// 0.096 for a fixed β 0.05, and 0.232 / 0.095 for hidden 200, latent 64.
//
// Departure, as Mult-DAE: input rows are not L2-normalized (the input is its target).
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_multvae(const ModelOptions& o) {
  const int64_t items = o.n_items();
  const int64_t hidden = o.integer("hidden"), latent = o.integer("latent");
  Net net("multvae");
  Var x = net.sparse_input("ratings", items);
  Var xc = net.corrupt(x, static_cast<float>(o.real("dropout")), "dropout");
  Var h = net.dense(xc, hidden, Act::tanh, "encoder");
  Var q = net.dense(h, 2 * latent, Act::identity, "posterior");  // [μ | log σ²]
  Var z = net.gaussian_sample(q, static_cast<float>(o.real("beta")), o.integer("anneal_steps"), "z");
  Var g = net.dense(z, hidden, Act::tanh, "decoder");
  Var y = net.dense(g, items, Act::identity, "logits");
  net.minimize(multinomial(y, x), l2(static_cast<float>(o.real("l2"))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 0.001f;
  d.epochs = 100;
  d.batch_rows = 100;
  d.negatives = -1;  // full softmax
  return {Task::topn, std::move(net), RowsAre::users, d};
}
}  // namespace

ModelEntry multvae_model() {
  return {"multvae",
          Task::topn,
          "Mult-VAE (Liang et al. 2018): a variational autoencoder under a full softmax",
          {integer("hidden", 600, 1, "units of the tanh encoder and decoder layers"),
           integer("latent", 200, 1, "dimensions of the Gaussian latent code"),
           real("dropout", 0.5, 0.0, 1.0, "input dropout", true),
           real("beta", 0.2, 0.0, kInf, "the KL term's final weight"),
           integer("anneal_steps", 1000, 0, "optimizer steps over which beta rises from 0 (0: beta from the start)"),
           real("l2", 0.01, 0.0, kInf, "weight decay of the weight matrices")},
          build_multvae};
}

}  // namespace sr
