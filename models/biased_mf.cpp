// Biased matrix factorization (Koren, Bell & Volinsky 2009): r̂_ui = μ + b_u + b_i + ⟨p_u, q_i⟩,
// squared error plus l2/2 · (||P||² + ||Q||² + ||b_u||² + ||b_i||²) on the rows each step touches,
// trained over mini-batches of ratings (as pairs: one-hot user and item ids, the rating as the
// label). The dot product is the sampled dot primitive on a diagonal pattern.
//
// Defaults chosen on a validation split of ML-100K training data (`--validate 0.1`; the test split
// unused), factors 64, Adam lr 0.001, batch 128: l2 0.15 and 40 epochs (validation RMSE 0.8983;
// l2 0.1: 0.8997, l2 0.05: 0.9107, 0.15 for 60 epochs: 0.9018); embeddings from N(0, 0.01²) (from
// N(0, 0.1²) the model overfits: 0.9258 at l2 0.4, 0.9302 at 0.1). Plain SGD on summed batch
// losses reached 0.9230 at best (lr 0.005, batch 32, l2 0.3).
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_biased_mf(const ModelOptions& o) {
  const int64_t f = o.integer("factors");
  Net net("biased_mf");
  Var user = net.sparse_input("user", o.n_users());
  Var item = net.sparse_input("item", o.n_items());
  Var label = net.sparse_input("label", 1);
  const float init = static_cast<float>(o.real("init"));
  Var p = net.embedding(user, f, "user_factors", init), q = net.embedding(item, f, "item_factors", init);
  Var bu = net.embedding(user, 1, "user_bias", 0.0f), bi = net.embedding(item, 1, "item_bias", 0.0f);
  Var y = net.sum({net.dot(p, q, "interaction"), bu, bi}, "rating");  // the sum's own bias is μ
  net.minimize(masked_mse(y, label), l2(static_cast<float>(o.real("l2"))));
  TrainDefaults d;
  d.optimizer = "adam";
  d.lr = 0.001f;
  d.epochs = 40;
  d.batch_rows = 128;
  BuiltModel m{Task::ratings, std::move(net), RowsAre::users, d};
  m.pairs = true;
  // μ + b_u + b_i + p_uᵀ q_i = [p_u | b_u + μ | 1]ᵀ [q_i | 1 | b_i]: one GEMM scores every item.
  m.pair_factors = [](const ParamStore& s) {
    auto host = [&s](const char* name) { return s.weights(s.net().param(name)).to_host(); };
    const std::vector<float> p = host("user_factors.weight"), q = host("item_factors.weight"),
                             bu = host("user_bias.weight"), bi = host("item_bias.weight"), mu = host("rating.bias");
    const size_t f = p.size() / bu.size();
    PairFactors out;
    out.dim = static_cast<int64_t>(f) + 2;
    out.embedding_dim = static_cast<int64_t>(f);
    for (size_t u = 0; u < bu.size(); ++u) {
      out.users.insert(out.users.end(), p.begin() + static_cast<std::ptrdiff_t>(u * f),
                       p.begin() + static_cast<std::ptrdiff_t>((u + 1) * f));
      out.users.push_back(bu[u] + mu[0]);
      out.users.push_back(1.0f);
    }
    for (size_t i = 0; i < bi.size(); ++i) {
      out.items.insert(out.items.end(), q.begin() + static_cast<std::ptrdiff_t>(i * f),
                       q.begin() + static_cast<std::ptrdiff_t>((i + 1) * f));
      out.items.push_back(1.0f);
      out.items.push_back(bi[i]);
    }
    return out;
  };
  return m;
}
}  // namespace

ModelEntry biased_mf_model() {
  return {"biased_mf",
          Task::ratings,
          "biased matrix factorization (Koren et al. 2009) on (user, item) pairs",
          {integer("factors", 64, 1, "dimensions of the user and item factors"),
           real("l2", 0.15, 0.0, kInf, "weight decay of the factors and biases of each step's rows"),
           real("init", 0.01, 0.0, kInf, "standard deviation of the factors' initial values")},
          build_biased_mf};
}

}  // namespace sr
