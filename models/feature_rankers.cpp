// Rankers over ids and side features (the ranking stage of TFRS's two-stage design): DeepFM and
// DCN-v2 score (user, item) pairs as NCF does — pair nets trained on implicit feedback with sampled
// negatives and the logistic loss, ranked by the top-N protocols — with the user's and the item's
// side fields (engine/data/field_inputs.h: "user:age", "item:genres", ...) as more fields beside the
// two ids. Every field f has an embedding e_f of `factors` columns (a multi-valued field the mean of
// its values', a numeric field its standardized value times one row).
//   DeepFM (Guo, Tang, Ye, Li & He, IJCAI 2017):
//     ŷ = σ(b + Σ_i w_i x_i + Σ_{f<g} ⟨e_f, e_g⟩ + tower([e_1 | ... | e_F]))
//     a first-order weight per feature, FM's pairwise interactions (the fm layer) and a ReLU tower,
//     the last two over the same embeddings.
//   DCN-v2 (Wang, Shivanna, Cheng, Jain, Lin, Hong & Chi, WWW 2021), the parallel form:
//     x_0 = [e_1 | ... | e_F], x_{l+1} = x_0 ⊙ (W_l x_l + b_l) + x_l (W_l full, or U_l V_l of
//     rank r), ŷ = σ(wᵀ [x_L | tower(x_0)] + b).
// With side=0, or on data without side features, both see the ids only (DeepFM is then a biased
// MF plus a tower). Their defaults are NCF's MLP's (Adam lr 0.001, 4 negatives, batch 256).
#include "models/models.h"
#include "models/pair_model.h"

namespace sr {

namespace {

struct Fields {
  Net net;
  Var user, item, label;
  std::vector<Var> inputs;  // one sparse input per field: the ids first
};

Fields field_net(const std::string& name, const ModelOptions& o) {
  Fields f{Net(name), {}, {}, {}, {}};
  f.user = f.net.sparse_input("user", o.n_users());
  f.item = f.net.sparse_input("item", o.n_items());
  f.label = f.net.sparse_input("label", 1);
  f.inputs = {f.user, f.item};
  if (o.flag("side"))
    for (const FieldShape& s : o.fields()) f.inputs.push_back(f.net.sparse_input(s.input, s.width));
  return f;
}

// [e_1 | ... | e_F]: each field's embedding, `k` columns.
Var field_embeddings(Fields& f, int64_t k) {
  std::vector<Var> e;
  for (Var x : f.inputs) e.push_back(f.net.embedding(x, k, "embed_" + f.net.var(x).name));
  return f.net.concat(e, "fields");
}

Var tower(Net& net, Var x, const ModelOptions& o) {
  for (int64_t l = 1; l <= o.integer("depth"); ++l)
    x = net.dense(x, o.integer("units"), Act::relu, "tower" + std::to_string(l));
  return x;
}

BuiltModel finish(Fields f, Var logit, const ModelOptions& o) {
  return implicit_pair_model(std::move(f.net), logit, f.label, o, 0.001f);
}

BuiltModel build_deepfm(const ModelOptions& o) {
  Fields f = field_net("deepfm", o);
  const Var e = field_embeddings(f, o.integer("factors"));
  std::vector<Var> terms;
  for (Var x : f.inputs) terms.push_back(f.net.embedding(x, 1, "linear_" + f.net.var(x).name, 0.0f));
  terms.push_back(f.net.fm(e, static_cast<int64_t>(f.inputs.size()), "fm"));
  terms.push_back(f.net.dense(tower(f.net, e, o), 1, Act::identity, "tower_out"));
  const Var logit = f.net.sum(terms, "logit");  // with its bias b
  return finish(std::move(f), logit, o);
}

BuiltModel build_dcnv2(const ModelOptions& o) {
  Fields f = field_net("dcnv2", o);
  const Var x0 = field_embeddings(f, o.integer("factors"));
  Var x = x0;
  for (int64_t l = 1; l <= o.integer("cross_layers"); ++l)
    x = f.net.cross(x0, x, o.integer("rank"), "cross" + std::to_string(l));
  const Var h = f.net.concat({x, tower(f.net, x0, o)}, "cross_and_tower");
  const Var logit = f.net.dense(h, 1, Act::identity, "prediction");
  return finish(std::move(f), logit, o);
}

std::vector<OptionSpec> ranker_options() {
  return {integer("factors", 16, 1, "embedding columns of each field"),
          integer("units", 64, 1, "units of each layer of the ReLU tower"),
          integer("depth", 2, 0, "layers of the ReLU tower"),
          integer("negatives", 4, 1, "unseen items sampled per positive"),
          real("l2", 0.0, 0.0, kInf, "weight decay of the weight matrices"),
          flag("side", true, "use the user and item side features the dataset holds (import --user-features ...)")};
}

}  // namespace

ModelEntry deepfm_model() {
  return {"deepfm", Task::topn,
          "DeepFM (Guo et al. 2017): FM interactions and a ReLU tower over shared embeddings of ids and side fields",
          ranker_options(), build_deepfm};
}

ModelEntry dcnv2_model() {
  std::vector<OptionSpec> options = ranker_options();
  options.push_back(integer("cross_layers", 2, 1, "cross layers x0 * (W x + b) + x"));
  options.push_back(integer("rank", 0, 0, "rank of each cross layer's W = U V (0: full rank)"));
  return {"dcnv2", Task::topn,
          "DCN-v2 (Wang et al. 2021): cross layers beside a ReLU tower over embeddings of ids and side fields", options,
          build_dcnv2};
}

}  // namespace sr
