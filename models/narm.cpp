// NARM (Li, Ren, Chen, Ren, Lian & Ma, CIKM 2017): the neural attentive session recommender. A
// session prefix — its last `max_len` clicks — is embedded and run through a GRU (backprop through
// time over the whole prefix); the global encoder is the GRU's last state, the local encoder an
// attention over all its states with the last state as query; their concatenation, after dropout,
// scores every item by a bilinear form with the item's own embedding (the decoder shares the
// input embedding table), under a full softmax.
//
// The decoder (cosine_scale, default 10): NARM's bilinear form scores ⟨B·c, e_i⟩; here both B·c and
// every e_i are first scaled to unit length and the score is 10 · cos(B·c, e_i) (NISER, Gupta et
// al. 2019). With plain dot products a frequently clicked item wins by the norm its embedding grows;
// with cosines the softmax's temperature is fixed and an item wins by direction alone.
// cosine_scale=0 is the paper's decoder.
//
// Defaults: the paper's embedding 50, hidden 100 and dropout 0.25 on the embeddings; dropout 0.2
// before the decoder; Adam lr 0.003 decayed by 0.85 an epoch over 20 epochs, batch 128; every
// prefix of every training session is an example, fed session after session in time order
// (order=time; order=shuffled reshuffles every epoch); max_len 19 keeps each prefix's last 19
// clicks (RSC15 sessions are rarely longer). Chosen on train_tr → train_valid (Recall@20 / MRR@20,
// seed 1 unless said; tools/sweeps/narm_cosine.txt):
//   the paper's decoder: the plateau below, best lr 0.003, decay 0.85, batch 128, dropout 0.5:
//     0.6565 / 0.3551 (mean of 3 seeds); on train_full → test 0.702 / 0.372 (batch 512, lr 0.005),
//     short of the PyTorch GRU4Rec peer's MRR@20 0.376;
//   cosine decoder, lr 0.003, decay 0.85, batch 128: scale 7 0.662 / 0.340, 10 0.669 / 0.355,
//     16 0.657 / 0.353, 24 0.655 / 0.351 (dropout 0.5); scale 10 with dropout 0.3 0.667 / 0.360,
//     0.2 0.669 / 0.3595, 0.1 0.670 / 0.3596 (means of 3 seeds); scale 12, dropout 0.3 0.662 /
//     0.359; with a bias per item 0.666 / 0.351; batch 64 lr 0.002 0.669 / 0.359; batch 256 lr
//     0.004 0.671 / 0.359; batch 512 lr 0.005 0.669 / 0.358. On train_full → test: 0.710 / 0.381.
//
// The paper's decoder, earlier (validation; shuffled unless said): lr 0.001, 15 epochs 0.641 /
// 0.338; lr 0.003: 0.653 / 0.345 (embedding 100: 0.640 / 0.337; dropout 0.25 before the decoder:
// 0.639 / 0.339; a bias per item in the decoder: 0.648 / 0.345; batch 128, lr 0.002: 0.650 /
// 0.343; decay 0.8: 0.626 / 0.340); lr 0.004, decay 0.9, 20 epochs: 0.650 / 0.349; the same in
// time order 0.652 / 0.352 (embedding dropout 0.1: 0.646 / 0.349; hidden 150: 0.648 / 0.346; 30
// epochs: 0.651 / 0.351; embedding 100: 0.650 / 0.345; batch 256, lr 0.003: 0.656 / 0.352); lr
// 0.005, decay 0.85, time order: 0.653 / 0.355 (test: 0.702 / 0.372; lr 0.004 / decay 0.9: 0.701
// / 0.3735); seed 2 0.654 / 0.354; dropout 0.6 0.653 / 0.355; embedding dropout 0.35 0.653 /
// 0.353; lr 0.007 decay 0.8 0.650 / 0.354; max_len 10 0.653 / 0.355; batch 1024 lr 0.007 0.649 /
// 0.350; init_std 0.05 0.647 / 0.346, 0.2 0.644 / 0.353; --average-weights 0.99 0.652 / 0.356,
// 0.998 0.647 / 0.349. A 55-setting sweep on an H100 (tools/sweeps/narm.txt; lr 0.003–0.008 x
// decay 0.8–0.9 x batch 128–512, embedding/hidden 64/128, 100/100, 50/200, 100/200, both dropouts
// 0–0.6, l2 1e-6–1e-4, 12 or 30 epochs, max_len 30) stayed between 0.340 and 0.355; Adagrad lr
// 0.05 0.653 / 0.350, 0.1 0.658 / 0.347 (batch 128, 10 epochs: 0.654 / 0.354); embedding 100
// without embedding dropout 0.627 / 0.331.
#include "models/models.h"

namespace sr {

BuiltModel build_narm(ModelOptions& o) {
  const int64_t items = o.n_items();
  const int64_t embedding = o.get_int("embedding", 50), hidden = o.get_int("hidden", 100), steps = o.get_int("max_len", 19);
  const float dropout_embedding = static_cast<float>(o.get_double("dropout_embedding", 0.25));
  const float dropout = static_cast<float>(o.get_double("dropout", 0.2));
  const float cosine_scale = static_cast<float>(o.get_double("cosine_scale", 10.0));
  Net net("narm");
  Var clicks = net.sparse_input("clicks", items), mask = net.sparse_input("mask", 1);
  Var e = net.embedding(clicks, embedding, "embedding", static_cast<float>(o.get_double("init_std", 0.1)));
  Var x = dropout_embedding > 0.0f ? net.dropout(e, dropout_embedding, "embedding_dropout") : e;
  Var states = net.gru_sequence(x, hidden, mask, steps, "gru");
  Var global = net.last_step(states, steps, "global");
  Var local = net.attention(states, global, steps, "local");
  Var c = net.concat({local, global}, "context");
  if (dropout > 0.0f) c = net.dropout(c, dropout, "context_dropout");
  Var q = net.dense(c, embedding, Act::identity, "bilinear");
  Var logits = net.tied_output(q, e, o.get_int("output_bias", 0) != 0, "scores", cosine_scale);
  Var next = net.sparse_input("next", items);
  net.minimize(multinomial(logits, next), l2(static_cast<float>(o.get_double("l2", 0.0))));
  BuiltModel m;
  m.net = std::move(net);
  m.sessions = true;
  m.prefix_steps = steps;
  m.prefixes_in_time_order = o.get_string("order", "time", {"shuffled", "time"}) == "time";
  m.defaults.optimizer = "adam";
  m.defaults.lr = 0.003f;
  m.defaults.lr_decay = 0.85f;
  m.defaults.epochs = 20;
  m.defaults.batch_rows = 128;
  return m;
}

}  // namespace sr
