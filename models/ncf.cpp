// NCF (He, Liao, Zhang, Nie, Hu & Chua, WWW 2017): a score per (user, item) pair from one-hot
// user and item ids (embeddings: the gather primitive with one nonzero per row), trained on
// implicit feedback with `negatives` sampled unseen items per positive and the logistic loss.
//   GMF    ŷ = σ(hᵀ (p_u ⊙ q_i) + b)
//   MLP    ŷ = σ(hᵀ relu-MLP([p_u | q_i]) + b), towers 4f → 2f → f (embeddings 2f each)
//   NeuMF  ŷ = σ(hᵀ [p_u ⊙ q_i | MLP([p'_u | q'_i])] + b), separate embeddings for the two parts
// f = `factors` (the paper's predictive factors). The paper's Adam, 4 negatives, batch 256.
// NeuMF with pretrain=1 starts from a trained GMF and MLP (§3.4.1): their embeddings and layers,
// and the prediction layer [α·h_GMF | (1-α)·h_MLP] with α = 0.5 (init_neumf_from), then trains by
// SGD. On ML-100K's validation split it did not beat NeuMF from scratch (HR@10 0.669 / NDCG@10
// 0.390 with SGD lr 0.0005, 0.650 / 0.382 with Adam lr 0.0001, against 0.676 / 0.392), so it is off
// by default. Factors 16 were chosen there too (NeuMF 32: 0.655; MLP 16: 0.655 vs 32: 0.645; GMF 16:
// 0.631 vs 32: 0.659 — GMF alone is not in the table's targets).
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
  const int negatives = static_cast<int>(o.get_int("negatives", 4));
  const bool pretrain = o.get_int("pretrain", 0) != 0;
  const Var h = p.net.concat({gmf_part(p.net, p.user, p.item, f), mlp_part(p.net, p.user, p.item, f)}, "neumf");
  BuiltModel m = finish(std::move(p), h, o);
  if (pretrain) {
    m.pretrain_from = {"gmf", "mlp"};
    m.pretrain_options = {{"factors", std::to_string(f)}, {"negatives", std::to_string(negatives)}};
    m.init_from_pretrained = [](Net& neumf, const std::vector<const Net*>& parts) {
      init_neumf_from(neumf, *parts.at(0), *parts.at(1), 0.5f);
    };
    m.defaults.optimizer = "sgd";  // as the paper: Adam's moments do not carry over from the parts
    m.defaults.lr = 0.0005f;
  }
  return m;
}

void init_neumf_from(Net& neumf, const Net& gmf, const Net& mlp, float alpha) {
  for (const Net* part : {&gmf, &mlp})
    for (Param* src : part->params()) {
      if (src->name.rfind("prediction.", 0) == 0) continue;
      Param* dst = neumf.param(src->name);
      SR_CHECK(dst->rows == src->rows && dst->cols == src->cols, "NeuMF: '", src->name, "' has another shape in ", part->name());
      dst->w.copy_from(src->w);
    }
  const std::vector<float> wg = gmf.param("prediction.weight")->w.to_host(), wm = mlp.param("prediction.weight")->w.to_host();
  std::vector<float> w;
  for (float v : wg) w.push_back(alpha * v);
  for (float v : wm) w.push_back((1.0f - alpha) * v);
  neumf.param("prediction.weight")->w.upload(w);
  const float bg = gmf.param("prediction.bias")->w.to_host()[0], bm = mlp.param("prediction.bias")->w.to_host()[0];
  neumf.param("prediction.bias")->w.upload({alpha * bg + (1.0f - alpha) * bm});
}

}  // namespace sr
