// NCF (He, Liao, Zhang, Nie, Hu & Chua, WWW 2017): a score per (user, item) pair from one-hot
// user and item ids (embeddings: the gather primitive with one nonzero per row), trained on
// implicit feedback with `negatives` sampled unseen items per positive and the logistic loss.
//   GMF    ŷ = σ(hᵀ (p_u ⊙ q_i) + b (+ b_i))
//   MLP    ŷ = σ(hᵀ relu-MLP([p_u | q_i]) + b (+ b_i)), towers 4f → 2f → f (embeddings 2f each)
//   NeuMF  ŷ = σ(hᵀ [p_u ⊙ q_i | MLP([p'_u | q'_i])] + b (+ b_i)), separate embeddings for the two parts
// f = `factors` (the paper's predictive factors). The paper's Adam, 4 negatives, batch 256.
// b_i, a learned bias per item (`item_bias`, not in the paper), carries an item's popularity, which
// the sampled negatives teach, apart from the factors. On ML-100K thinned to 20 % of each user's
// ratings it lifted GMF's validation NDCG@20 from 0.030 to 0.036 (16 factors, lr 0.001) and ML-100K's
// from 0.079 to 0.083; with 64 factors at lr 0.003 it changed nothing (within 0.001 on four sets).
// On by default for GMF only, where it never hurt and carries popularity for users whose few
// interactions leave their factors near their start: MLP's was unchanged (0.035 either way on the
// thinned set) and NeuMF's fell (0.040 to 0.036: popularity is learnt in two epochs, then a dip
// stops early stopping). With pretrain=1 the GMF part trains at its own default lr (0.003 since
// these defaults; the pretrain figures below were measured with 0.001 and 16 factors).
// GMF: 64 factors at Adam lr 0.003, chosen on the validation NDCG@20 (early stopping's) of four
// sets over 16/32/64 factors and lr 0.001/0.003/0.01: ML-100K 0.090 vs 0.083 (16 factors, lr 0.001),
// thinned 0.042 vs 0.036, synthetic 1 % 0.121 vs 0.115, synthetic 5 % 0.136 vs 0.092. The MLP's
// and NeuMF's settings did not move there (MLP on the thinned set: 0.035 at 16 factors / lr 0.001,
// 0.037 at lr 0.003, 0.038 at 32 factors: within its noise) and each 32-factor run costs 4x.
// NeuMF with pretrain=1 starts from a trained GMF and MLP (§3.4.1): their embeddings and layers,
// and the prediction layer [α·h_GMF | (1-α)·h_MLP] with α = 0.5 (init_neumf_from), then trains by
// SGD. On ML-100K's validation split it did not beat NeuMF from scratch (HR@10 0.669 / NDCG@10
// 0.390 with SGD lr 0.0005, 0.650 / 0.382 with Adam lr 0.0001, against 0.676 / 0.392), so it is off
// by default. NeuMF's 16 factors were chosen there too (32: HR@10 0.655; MLP 16: 0.655 vs 32: 0.645).
#include "models/models.h"
#include "models/pair_model.h"

namespace sr {

namespace {

constexpr int64_t kGmfFactors = 64;
constexpr float kGmfLr = 0.003f;

struct PairNet {
  Net net;
  Var user, item, label;
};

PairNet pair_net(const std::string& name, const ModelOptions& o) {
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

BuiltModel finish(PairNet p, Var features, const ModelOptions& o, float lr) {
  Var y = p.net.dense(features, 1, Act::identity, "prediction");
  if (o.flag("item_bias")) y = p.net.sum({y, p.net.embedding(p.item, 1, "item_bias", 0.0f)}, "score");
  return implicit_pair_model(std::move(p.net), y, p.label, o, lr);
}

std::vector<OptionSpec> pair_options(int64_t factors, bool item_bias) {
  return {integer("factors", factors, 1, "predictive factors f (the MLP tower is 4f -> 2f -> f, its embeddings 2f)"),
          integer("negatives", 4, 1, "unseen items sampled per positive"),
          real("l2", 0.0, 0.0, kInf, "weight decay of the weight matrices"),
          flag("item_bias", item_bias, "a learned bias per item added to the logit")};
}

BuiltModel build_gmf(const ModelOptions& o) {
  PairNet p = pair_net("gmf", o);
  const Var h = gmf_part(p.net, p.user, p.item, o.integer("factors"));
  BuiltModel m = finish(std::move(p), h, o, kGmfLr);
  // hᵀ(p_u ⊙ q_i) + b (+ b_i) = [p_u | b (| 1)]ᵀ [h ⊙ q_i | 1 (| b_i)]: one GEMM scores every item.
  m.pair_factors = [item_bias = o.flag("item_bias")](const ParamStore& s) {
    auto host = [&s](const char* name) { return s.weights(s.net().param(name)).to_host(); };
    const std::vector<float> pu = host("gmf_user.weight"), qi = host("gmf_item.weight"), w = host("prediction.weight");
    const float b = host("prediction.bias")[0] + (item_bias ? host("score.bias")[0] : 0.0f);
    const std::vector<float> bi = item_bias ? host("item_bias.weight") : std::vector<float>{};
    const size_t f = w.size();
    PairFactors out;
    out.dim = static_cast<int64_t>(f) + (item_bias ? 2 : 1);
    out.embedding_dim = static_cast<int64_t>(f);
    // The output weights h go to the item side: h ⊙ q_i is what an item's score is the dot of, so
    // its leading columns are also the item vectors that say which items are alike.
    for (size_t u = 0; u < pu.size() / f; ++u) {
      out.users.insert(out.users.end(), pu.begin() + static_cast<std::ptrdiff_t>(u * f),
                       pu.begin() + static_cast<std::ptrdiff_t>((u + 1) * f));
      out.users.push_back(b);
      if (item_bias) out.users.push_back(1.0f);
    }
    for (size_t i = 0; i < qi.size() / f; ++i) {
      for (size_t j = 0; j < f; ++j) out.items.push_back(qi[i * f + j] * w[j]);
      out.items.push_back(1.0f);
      if (item_bias) out.items.push_back(bi[i]);
    }
    return out;
  };
  return m;
}

BuiltModel build_mlp(const ModelOptions& o) {
  PairNet p = pair_net("mlp", o);
  const Var h = mlp_part(p.net, p.user, p.item, o.integer("factors"));
  return finish(std::move(p), h, o, 0.001f);
}

BuiltModel build_neumf(const ModelOptions& o) {
  PairNet p = pair_net("neumf", o);
  const int64_t f = o.integer("factors");
  const Var h = p.net.concat({gmf_part(p.net, p.user, p.item, f), mlp_part(p.net, p.user, p.item, f)}, "neumf");
  BuiltModel m = finish(std::move(p), h, o, 0.001f);
  if (o.flag("pretrain")) {
    const std::map<std::string, std::string> parts = {{"factors", std::to_string(f)},
                                                      {"negatives", std::to_string(o.integer("negatives"))},
                                                      {"item_bias", o.flag("item_bias") ? "1" : "0"}};
    const int64_t users = o.n_users(), items = o.n_items();
    m.pretrain_parts = [parts, users, items] {
      std::vector<BuiltModel> out;
      out.push_back(build_gmf(ModelOptions("gmf", pair_options(kGmfFactors, true), parts, users, items)));
      out.push_back(build_mlp(ModelOptions("mlp", pair_options(16, false), parts, users, items)));
      return out;
    };
    m.init_from_pretrained = [](ParamStore& neumf, const std::vector<const ParamStore*>& parts) {
      init_neumf_from(neumf, *parts.at(0), *parts.at(1), 0.5f);
    };
    m.defaults.optimizer = "sgd";  // as the paper: Adam's moments do not carry over from the parts
    m.defaults.lr = 0.0005f;
  }
  return m;
}

}  // namespace

ModelEntry gmf_model() {
  return {"gmf", Task::topn, "NCF's GMF (He et al. 2017): an elementwise product of user and item embeddings",
          pair_options(kGmfFactors, true), build_gmf};
}

ModelEntry mlp_model() {
  return {"mlp", Task::topn, "NCF's MLP (He et al. 2017): a ReLU tower over user and item embeddings",
          pair_options(16, false), build_mlp};
}

ModelEntry neumf_model() {
  std::vector<OptionSpec> options = pair_options(16, false);
  options.push_back(flag("pretrain", false, "start from a trained GMF and MLP (the paper's section 3.4.1), then SGD"));
  return {"neumf", Task::topn, "NCF's NeuMF (He et al. 2017): GMF and MLP fused under one prediction layer", options,
          build_neumf};
}

void init_neumf_from(ParamStore& neumf, const ParamStore& gmf, const ParamStore& mlp, float alpha) {
  auto weights = [](const ParamStore& s, const std::string& name) -> const Tensor& {
    return s.weights(s.net().param(name));
  };
  // What both parts have (the prediction layer's bias, the item biases and the score's bias) is
  // blended by α; the prediction weights are stacked, α·h_GMF over (1-α)·h_MLP; the rest is copied.
  auto output_side = [](const std::string& name) {
    return name.rfind("prediction.", 0) == 0 || name.rfind("score.", 0) == 0 || name.rfind("item_bias.", 0) == 0;
  };
  for (const ParamStore* part : {&gmf, &mlp})
    for (const Param* src : part->net().params()) {
      if (output_side(src->name)) continue;
      const Param& dst = neumf.net().param(src->name);
      SR_CHECK(dst.rows == src->rows && dst.cols == src->cols, "NeuMF: '", src->name, "' has another shape in ",
               part->net().name());
      neumf.weights(dst).copy_from(part->weights(*src));
    }
  const std::vector<float> wg = weights(gmf, "prediction.weight").to_host(),
                           wm = weights(mlp, "prediction.weight").to_host();
  std::vector<float> w;
  for (float v : wg) w.push_back(alpha * v);
  for (float v : wm) w.push_back((1.0f - alpha) * v);
  neumf.weights(neumf.net().param("prediction.weight")).upload(w);
  for (const Param* dst : neumf.net().params()) {
    if (!output_side(dst->name) || dst->name == "prediction.weight") continue;
    const std::vector<float> g = weights(gmf, dst->name).to_host(), m = weights(mlp, dst->name).to_host();
    std::vector<float> blend(g.size());
    for (size_t k = 0; k < g.size(); ++k) blend[k] = alpha * g[k] + (1.0f - alpha) * m[k];
    neumf.weights(*dst).upload(blend);
  }
}

}  // namespace sr
