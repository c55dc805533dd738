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
// prefix of every training session is an example, fed session after session in time order; max_len
// 19 keeps each prefix's last 19 clicks (RSC15 sessions are rarely longer). Chosen on train_tr ->
// train_valid (Recall@20 / MRR@20): the cosine decoder at scale 10, dropout 0.2 reached 0.669 /
// 0.3595 (mean of 3 seeds) where the paper's decoder plateaued at 0.6565 / 0.3551 over ~80
// settings; on train_full -> test 0.710 / 0.381. The sweeps, setting by setting:
// tools/sweeps/narm.txt (the paper's decoder) and tools/sweeps/narm_cosine.txt.
#include "models/models.h"
#include "models/prefix_model.h"

namespace sr {

namespace {
BuiltModel build_narm(const ModelOptions& o) {
  const int64_t items = o.n_items();
  const int64_t embedding = o.integer("embedding"), hidden = o.integer("hidden"), steps = o.integer("max_len");
  const float dropout_embedding = static_cast<float>(o.real("dropout_embedding"));
  const float dropout = static_cast<float>(o.real("dropout"));
  const float cosine_scale = static_cast<float>(o.real("cosine_scale"));
  Net net("narm");
  Var clicks = net.sparse_input("clicks", items), mask = net.sparse_input("mask", 1);
  Var e = net.embedding(clicks, embedding, "embedding", static_cast<float>(o.real("init_std")));
  Var x = dropout_embedding > 0.0f ? net.dropout(e, dropout_embedding, "embedding_dropout") : e;
  Var states = net.gru_sequence(x, hidden, mask, steps, "gru");
  Var global = net.last_step(states, steps, "global");
  Var local = net.attention(states, global, steps, "local");
  Var c = net.concat({local, global}, "context");
  if (dropout > 0.0f) c = net.dropout(c, dropout, "context_dropout");
  Var q = net.dense(c, embedding, Act::identity, "bilinear");
  Var logits = net.tied_output(q, e, o.flag("output_bias"), "scores", cosine_scale);
  Var next = net.sparse_input("next", items);
  net.minimize(multinomial(logits, next), l2(static_cast<float>(o.real("l2"))));
  return prefix_model(std::move(net), o);
}
}  // namespace

ModelEntry narm_model() {
  return {"narm", Task::sessions, "NARM (Li et al. 2017): attention over a GRU run on each session prefix",
          prefix_model_options({integer("embedding", 50, 1, "item embedding width (the decoder's too: it is tied)"),
                                integer("hidden", 100, 1, "GRU units"),
                                integer("max_len", 19, 1, "the prefix's last clicks the GRU reads"),
                                real("dropout_embedding", 0.25, 0.0, 1.0, "dropout on the item embeddings", true),
                                real("dropout", 0.2, 0.0, 1.0, "dropout before the decoder", true)},
                               0.1),
          build_narm};
}

}  // namespace sr
