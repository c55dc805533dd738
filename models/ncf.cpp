// NCF (He, Liao, Zhang, Nie, Hu & Chua, WWW 2017): a score per (user, item) pair from one-hot
// user and item ids (embeddings: the gather primitive with one nonzero per row), trained on
// implicit feedback with `negatives` sampled unseen items per positive and the logistic loss.
//   GMF    ŷ = σ(hᵀ (p_u ⊙ q_i) + b)
//   MLP    ŷ = σ(hᵀ relu-MLP([p_u | q_i]) + b), towers 4f → 2f → f (embeddings 2f each)
//   NeuMF  ŷ = σ(hᵀ [p_u ⊙ q_i | MLP([p'_u | q'_i])] + b), separate embeddings for the two parts
// f = `factors` (the paper's predictive factors). The paper's Adam, 4 negatives, batch 256.
//
// Departure: NeuMF is trained from scratch; the paper's initialization from pretrained GMF and
// MLP is not implemented.
#include "models/models.h"

namespace sr {

namespace {

struct PairNet {
  Net net;
  Var user, item, label;
};

PairNet pair_net(const std::string& name, ModelOptions& o) {
  PairNet p{Net(name), {}, {}, {}};
  p.user = p.net.sparse_input("user", o.n_users());
  p.item = p.net.sparse_input("item", o.n_items());
  p.label = p.net.sparse_input("label", 1);
  return p;
}

Var gmf_part(Net& net, Var user, Var item, int64_t f) {
  return net.multiply(net.embedding(user, f, "gmf_user"), net.embedding(item, f, "gmf_item"), "gmf");
}

Var mlp_part(Net& net, Var user, Var item, int64_t f) {
  Var x = net.concat({net.embedding(user, 2 * f, "mlp_user"), net.embedding(item, 2 * f, "mlp_item")}, "mlp_input");
  x = net.dense(x, 4 * f, Act::relu, "mlp1");
  x = net.dense(x, 2 * f, Act::relu, "mlp2");
  return net.dense(x, f, Act::relu, "mlp3");
}

BuiltModel finish(PairNet p, Var features, ModelOptions& o) {
  Var y = p.net.dense(features, 1, Act::identity, "prediction");
  p.net.minimize(masked_bce(y, p.label), l2(static_cast<float>(o.get_double("l2", 0.0))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 0.001f;
  d.epochs = 20;
  d.batch_rows = 256;  // positives per batch (each with its negatives)
  d.negatives = static_cast<int>(o.get_int("negatives", 4));
  BuiltModel m{std::move(p.net), RowsAre::users, d};
  m.pairs = true;
  return m;
}

}  // namespace

BuiltModel build_gmf(ModelOptions& o) {
  PairNet p = pair_net("gmf", o);
  const Var h = gmf_part(p.net, p.user, p.item, o.get_int("factors", 16));
  return finish(std::move(p), h, o);
}

BuiltModel build_mlp(ModelOptions& o) {
  PairNet p = pair_net("mlp", o);
  const Var h = mlp_part(p.net, p.user, p.item, o.get_int("factors", 16));
  return finish(std::move(p), h, o);
}

BuiltModel build_neumf(ModelOptions& o) {
  PairNet p = pair_net("neumf", o);
  const int64_t f = o.get_int("factors", 16);
  const Var h = p.net.concat({gmf_part(p.net, p.user, p.item, f), mlp_part(p.net, p.user, p.item, f)}, "neumf");
  return finish(std::move(p), h, o);
}

}  // namespace sr
