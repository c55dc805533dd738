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
// Defaults: one GRU layer of 100 units, one-hot input, Adagrad lr 0.05, batch 32, 10 epochs, no
// dropout — the peer's setting (BENCHMARKS.md), tuned there on train_tr → train_valid.
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
}  // namespace

BuiltModel build_gru4rec(ModelOptions& o) {
  const int64_t items = o.n_items();
  const int64_t hidden = o.get_int("hidden", 100), embedding = o.get_int("embedding", 0);
  const std::string loss = o.get_string("loss", "xent", {"xent", "xent-sampled", "bpr-max", "top1-max", "bpr", "top1"});
  const float dropout = static_cast<float>(o.get_double("dropout", 0.0));
  const float l2_weight = static_cast<float>(o.get_double("l2", 0.0));
  Net net("gru4rec");
  Var item = net.sparse_input("item", items);
  Var x = embedding > 0 ? net.embedding(item, embedding, "embedding", 0.1f) : item;
  Var h = net.gru(x, hidden, "gru");
  if (dropout > 0.0f) h = net.dropout(h, dropout, "dropout");
  Var next = net.sparse_input("next", items);
  BuiltModel m;
  if (loss == "xent") {
    Var logits = net.dense(h, items, Act::identity, "output");
    net.minimize(multinomial(logits, next), l2(l2_weight));
  } else {
    Var scores = net.sparse_output(h, items, Act::identity, next, "output");
    net.minimize(ranking(rank_loss_named(loss), scores, next, static_cast<float>(o.get_double("bpreg", 1.0))), l2(l2_weight));
    m.sampling.n_sample = static_cast<int>(o.get_int("n_sample", 2048));
    m.sampling.alpha = static_cast<float>(o.get_double("sample_alpha", 0.5));
  }
  m.net = std::move(net);
  m.sessions = true;
  m.defaults.optimizer = "adagrad";
  m.defaults.lr = 0.05f;
  m.defaults.epochs = 10;
  m.defaults.batch_rows = 32;
  return m;
}

}  // namespace sr
