// GRU4Rec (Hidasi, Karatzoglou, Baltrunas & Tikk, ICLR 2016; Hidasi & Karatzoglou, CIKM 2018):
// next-click prediction in anonymous sessions. Each lane of a session-parallel mini-batch feeds
// its current click — one-hot (the gather primitive into the GRU's input weights) or through a
// learned embedding — into one GRU layer whose state carries over from click to click and is
// cleared when the lane's next session starts; the output scores items from the GRU's state.
//
// Outputs and losses (loss=...):
//   xent (default)  a score for every item under a full softmax (a GEMM and the multinomial loss),
//                   the setting of BENCHMARKS.md's PyTorch peer
//   bpr-max, top1-max, bpr, top1, xent-sampled
//                   the 2018 paper's sampled output: each lane scores only the mini-batch's next
//                   clicks and n_sample items shared by the batch, drawn ∝ popularity^sample_alpha
//                   (the sampled dot primitive; its gradient touches only those items' rows),
//                   with BPR-max's score regularization bpreg
//
// Input and output (tied=1, the default; GRU4Rec's "constrained embedding"): items are embedded in
// as many dimensions as the GRU has units and the output scores each item by its own embedding
// (tied_output, or a tied sparse output when sampled). tied=0: the input is one-hot (a gather into
// the GRU's input weights, or an `embedding` of its own) and the output has weights of its own.
//
// Defaults: one GRU layer of 100 units, Adagrad lr 0.05, batch 32, 10 epochs (BENCHMARKS.md's
// peer), tied, dropout 0.5 on the GRU's output. Chosen on train_tr → train_valid (Recall@20 /
// MRR@20, cross-entropy unless said): untied one-hot input 0.544 / 0.279 (lr 0.05), 0.536 / 0.273
// (0.1), 0.512 / 0.251 (0.2), 0.460 / 0.238 (0.02); untied with dropout 0.3: 0.570 / 0.304, 0.5:
// 0.572 / 0.311, 0.5 and 20 epochs: 0.594 / 0.316; untied learned embedding 0.520 / 0.262; sampled
// cross-entropy 0.537 / 0.278; untied BPR-max 0.595 / 0.325, dropout 0.4: 0.606 / 0.328.
// Tied: cross-entropy dropout 0.5: 0.644 / 0.360 (0.3: 0.639 / 0.354; lr 0.1: 0.646 / 0.347);
// BPR-max dropout 0.5: 0.650 / 0.359 (0.4: 0.646 / 0.360).
#include "models/models.h"

namespace sr {

namespace {
RankLoss rank_loss_named(const std::string& s) {
  if (s == "bpr-max") return RankLoss::bpr_max;
  if (s == "top1-max") return RankLoss::top1_max;
  if (s == "bpr") return RankLoss::bpr;
  if (s == "top1") return RankLoss::top1;
  return RankLoss::xent;  // xent-sampled
}

const std::vector<std::string> kSampledLosses = {"xent-sampled", "bpr-max", "top1-max", "bpr", "top1"};

BuiltModel build_gru4rec(const ModelOptions& o) {
  const int64_t items = o.n_items();
  const int64_t hidden = o.integer("hidden");
  // tied=1: the output scores items by their input embeddings (GRU4Rec's constrained embedding),
  // an embedding as wide as the GRU.
  const bool tied = o.flag("tied");
  const int64_t embedding = o.integer_or("embedding", tied ? hidden : 0);
  if (tied && embedding != hidden)
    throw error("gru4rec: tied=1 needs embedding = hidden (", hidden, "), got ", embedding);
  const std::string& loss = o.choice("loss");
  const float dropout = static_cast<float>(o.real("dropout"));
  const float l2_weight = static_cast<float>(o.real("l2"));
  Net net("gru4rec");
  Var item = net.sparse_input("item", items);
  Var x = embedding > 0 ? net.embedding(item, embedding, "embedding", 0.1f) : item;
  const Var embedded = x;
  Var h = net.gru(x, hidden, "gru");
  if (dropout > 0.0f) h = net.dropout(h, dropout, "dropout");
  Var next = net.sparse_input("next", items);
  BuiltModel m;
  if (loss == "xent") {
    Var logits = tied ? net.tied_output(h, embedded, false, "output") : net.dense(h, items, Act::identity, "output");
    net.minimize(multinomial(logits, next), l2(l2_weight));
  } else {
    Var scores = tied ? net.tied_sparse_output(h, next, embedded, "output")
                      : net.sparse_output(h, items, Act::identity, next, "output");
    net.minimize(ranking(rank_loss_named(loss), scores, next, static_cast<float>(o.real("bpreg"))), l2(l2_weight));
    m.sampling.n_sample = static_cast<int>(o.integer("n_sample"));
    m.sampling.alpha = static_cast<float>(o.real("sample_alpha"));
  }
  m.task = Task::sessions;
  m.net = std::move(net);
  m.defaults.optimizer = "adagrad";
  m.defaults.lr = 0.05f;
  m.defaults.epochs = 10;
  m.defaults.batch_rows = 32;
  if (o.given("repeat")) m.repeat_weight = static_cast<float>(o.real_or("repeat", 0.0));
  return m;
}
}  // namespace

ModelEntry gru4rec_model() {
  return {"gru4rec",
          Task::sessions,
          "GRU4Rec (Hidasi et al. 2016, 2018): a GRU over session-parallel mini-batches",
          {integer("hidden", 100, 1, "GRU units"),
           flag("tied", true, "score items by their input embeddings (the constrained embedding)"),
           derived(integer("embedding", 0, 0, "item embedding width; 0: one-hot input"), "hidden when tied=1, else 0"),
           choice("loss", "xent", {"xent", "xent-sampled", "bpr-max", "top1-max", "bpr", "top1"},
                  "full-softmax cross-entropy, or a ranking loss over the batch's targets and shared samples"),
           only_when(integer("n_sample", 2048, 0, "sampled losses: items sampled per step, shared by the lanes"),
                     "loss", kSampledLosses),
           only_when(
               real("sample_alpha", 0.5, 0.0, 1.0, "sampled losses: samples drawn with probability ∝ popularity^alpha"),
               "loss", kSampledLosses),
           only_when(real("bpreg", 1.0, 0.0, kInf, "BPR-max's score regularization"), "loss", kSampledLosses),
           real("dropout", 0.5, 0.0, 1.0, "dropout on the GRU's output", true),
           real("l2", 0.0, 0.0, kInf, "weight decay of the weight matrices"), repeat_option()},
          build_gru4rec};
}

}  // namespace sr
