// Prod2vec / item2vec (Grbovic et al., KDD 2015; Barkan & Koenigstein 2016): word2vec's skip-gram
// with negative sampling over sessions, items as words. Each click's item embedding (the input
// vectors, a gather) is scored against the output vectors of a context item from its window and of
// `negatives` items drawn ∝ count^sample_alpha — the sampled dot primitive at a pattern of 1 + negatives
// entries a row — under the logistic loss (engine/train/skip_gram_trainer.h: windows, subsampling,
// the draws).
//
// Used two ways: the input vectors are the model's item vectors (`index`, `/similar`: items alike
// by cosine); and as a session recommender, a session's latest clicks score every item (score=):
//   context  Σ_j decay^j (u_(t−j) · v_i + c_i), the skip-gram's logit of i in the windows of the
//            `recent` latest clicks — what the model was trained to predict;
//   similar  the cosine of i's input vector with Σ_j decay^j û_(t−j): the items nearest the
//            session's latest clicks (the item2vec recommender).
//
// Defaults: word2vec's (and gensim's) window 5, 5 negatives, subsampling 1e-3, width 100, 5 epochs;
// the output vectors start at zero as in word2vec. Chosen on RSC15 train_tr -> train_valid
// (Recall@20 / MRR@20, 5 epochs, no early stopping; tools/results/2026-12-01-prod2vec-cpu.md):
// Adagrad 0.1 at batch 2048 (0.6145 / 0.3379; batch 1024 0.6132 / 0.3362 at 1.4x the time; SGD
// 0.1 0.5878 / 0.3039; batch 4096 0.6129 / 0.3343), negatives ∝ count^0.5 rather than word2vec's
// 0.75 and the latest 2 clicks scoring (2 seeds: 0.6412 / 0.3458, against 0.6160 / 0.3351 with
// 0.75 and the latest click alone; 3 clicks 0.6336 / 0.3363, decay 0.3 0.6376 / 0.3467); score=similar
// 0.6060 / 0.3383; 10 epochs 0.6104 / 0.3363; window 3 or 8, subsampling off or 1e-4, 10
// negatives: no better.
#include "engine/eval/item_vector_session_scorer.h"
#include "models/models.h"

namespace sr {

namespace {
BuiltModel build_prod2vec(const ModelOptions& o) {
  const int64_t items = o.n_items(), dim = o.integer("embedding");
  Net net("prod2vec");
  Var center = net.sparse_input("center", items);
  Var u = net.embedding(center, dim, "input_vectors", static_cast<float>(o.real("init_std")));
  Var context = net.sparse_input("context", items);
  Var scores = net.sparse_output(u, items, Act::identity, context, "output_vectors");
  net.minimize(masked_bce(scores, context), l2(static_cast<float>(o.real("l2"))));
  net.start_at_zero("output_vectors.weight");
  BuiltModel m;
  m.task = Task::sessions;
  m.net = std::move(net);
  SkipGram sg;
  sg.window = static_cast<int>(o.integer("window"));
  sg.negatives = static_cast<int>(o.integer("negatives"));
  sg.subsample = static_cast<float>(o.real("subsample"));
  sg.alpha = static_cast<float>(o.real("sample_alpha"));
  m.skip_gram = sg;
  m.item_vector_param = "input_vectors.weight";
  const bool similar = o.choice("score") == "similar";
  const int recent = static_cast<int>(o.integer("recent"));
  const float decay = static_cast<float>(o.real("decay"));
  m.make_session_scorer = [similar, recent, decay, items, dim](Exec& ex) -> std::unique_ptr<SessionScorer> {
    const Net& net = ex.net();
    const std::vector<float> in = ex.params().weights(net.param("input_vectors.weight")).to_host();
    const ItemVectorTables t =
        similar ? similar_item_tables(items, dim, in)
                : context_tables(items, dim, in, ex.params().weights(net.param("output_vectors.weight")).to_host(),
                                 ex.params().weights(net.param("output_vectors.bias")).to_host());
    return std::make_unique<ItemVectorSessionScorer>(ex.backend(), t, recent, decay);
  };
  m.defaults.optimizer = "adagrad";
  m.defaults.lr = 0.1f;
  m.defaults.epochs = 5;
  m.defaults.batch_rows = 4096;
  if (o.given("repeat")) m.repeat_weight = static_cast<float>(o.real_or("repeat", 0.0));
  return m;
}
}  // namespace

ModelEntry prod2vec_model() {
  return {"prod2vec",
          Task::sessions,
          "Prod2vec / item2vec (Grbovic et al. 2015): skip-gram with negative sampling over sessions",
          {integer("embedding", 100, 1, "width of the item vectors"),
           integer("window", 5, 1, "the most clicks either side of a click that are its context"),
           integer("negatives", 5, 1, "items drawn as negatives per (click, context) pair"),
           real("subsample", 1e-3, 0.0, 1.0, "word2vec's subsampling threshold of frequent items; 0: off"),
           real("sample_alpha", 0.5, 0.0, 1.0, "negatives drawn with probability ∝ count^alpha"),
           real("init_std", 0.01, 0.0, kInf, "standard deviation of the input vectors' initial values"),
           choice("score", "context", {"context", "similar"},
                  "sessions: the skip-gram's logits of the latest clicks' windows, or the items nearest them"),
           integer("recent", 2, 1, "sessions: the latest clicks that score"),
           real("decay", 0.5, 0.0, 1.0, "sessions: the weight of each click before the latest, relative to the next"),
           real("l2", 0.0, 0.0, kInf, "weight decay of the weight matrices"), repeat_option()},
          build_prod2vec};
}

}  // namespace sr
