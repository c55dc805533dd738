// STAMP (Liu, Zeng, Mokhosi & Zhang, KDD 2018): short-term attention/memory priority. A session
// prefix — its last `max_len` clicks — is embedded, with no recurrence: the last click's embedding
// x_t is the current interest; the general interest m_a is an attention over all the prefix's
// embeddings x_i with weights α_i = w0ᵀ σ(W1 x_i + W2 x_t + W3 m_s), m_s the mean of the prefix's
// embeddings (the session memory); two one-layer tanh MLPs give h_s = f(m_a) and h_t = g(x_t), and
// item i scores by the trilinear product ⟨h_s ⊙ h_t, x_i⟩ with the item's own embedding (the
// decoder shares the input table), under a full softmax.
//
// As built here: W2 x_t + W3 m_s is the attention's query map applied to [x_t, m_s] (one matrix,
// the same sum); the attention has no bias b_a (NARM's layer, which this shares, has none), and the
// scores go straight to the softmax (the paper's sigmoid before it only flattens them). The decoder
// takes NARM's cosine option (cosine_scale: s · cos(h_s ⊙ h_t, x_i)); 0 is the paper's product.
//
// Defaults: the paper's embedding 100 and its N(0, 0.05²) initialisation; NARM's Adam 0.003 decayed
// 0.85 an epoch, batch 128, every prefix of every training session an example, fed in time order;
// max_len 19. Dropout 0.25 on the embeddings and 0.2 before the decoder were chosen on train_tr ->
// train_valid of the RSC15 sample (Recall@20 / MRR@20, grid tools/sweeps/stamp.txt): 0.6806 /
// 0.3687 (mean of 2 seeds) against 0.6687 / 0.3628 without dropout, 0.6487 / 0.3544 with the
// paper's products (no dropout), 0.6736 / 0.3692 at embedding 50; on train_full -> test see
// tools/results/2026-12-01-stamp-cpu.md.
#include "models/models.h"
#include "models/prefix_model.h"

namespace sr {

namespace {
BuiltModel build_stamp(const ModelOptions& o) {
  const int64_t items = o.n_items();
  const int64_t embedding = o.integer("embedding"), steps = o.integer("max_len");
  const float dropout_embedding = static_cast<float>(o.real("dropout_embedding"));
  const float dropout = static_cast<float>(o.real("dropout"));
  Net net("stamp");
  Var clicks = net.sparse_input("clicks", items), mask = net.sparse_input("mask", 1);
  Var e = net.embedding(clicks, embedding, "embedding", static_cast<float>(o.real("init_std")));
  Var x = dropout_embedding > 0.0f ? net.dropout(e, dropout_embedding, "embedding_dropout") : e;
  Var last = net.last_step(x, steps, "last_click");       // x_t
  Var memory = net.mean_steps(x, mask, steps, "memory");  // m_s
  Var query = net.concat({last, memory}, "attention_query");
  Var general = net.attention(x, query, steps, "general");  // m_a
  Var hs = net.dense(general, embedding, Act::tanh, "general_mlp");
  Var ht = net.dense(last, embedding, Act::tanh, "current_mlp");
  Var h = net.multiply(hs, ht, "trilinear");
  if (dropout > 0.0f) h = net.dropout(h, dropout, "decoder_dropout");
  Var logits = net.tied_output(h, e, o.flag("output_bias"), "scores", static_cast<float>(o.real("cosine_scale")));
  Var next = net.sparse_input("next", items);
  net.minimize(multinomial(logits, next), l2(static_cast<float>(o.real("l2"))));
  return prefix_model(std::move(net), o);
}
}  // namespace

ModelEntry stamp_model() {
  return {"stamp", Task::sessions,
          "STAMP (Liu et al. 2018): attention over a session's item embeddings and its last click, no RNN",
          prefix_model_options(
              {integer("embedding", 100, 1, "item embedding width (the MLPs' and the decoder's too: it is tied)"),
               integer("max_len", 19, 1, "the prefix's last clicks it reads"),
               real("dropout_embedding", 0.25, 0.0, 1.0, "dropout on the item embeddings", true),
               real("dropout", 0.2, 0.0, 1.0, "dropout before the decoder", true)},
              0.05),
          build_stamp};
}

}  // namespace sr
