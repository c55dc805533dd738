// The model DSL (DESIGN.md §3): a model is a short function that builds a Net from layers; the
// Net checks shapes and wiring as each layer is added and names the layer in every error.
//
//   Net net("autorec");
//   Var x = net.sparse_input("ratings", n_users);
//   Var h = net.dense(x, 500, Act::sigmoid, "hidden");
//   Var y = net.sparse_output(h, n_users, Act::identity, x, "output");  // scored where x has ratings
//   net.minimize(masked_mse(y, x), l2(1.0f));
//
// A Net is a description: its parameters' values live in a ParamStore and running it is an
// Exec's job (exec.h). minimize() adds the loss as the last layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/net/layer.h"
#include "kernels/loss.h"

namespace sr {

struct LossSpec {
  LossKind kind = LossKind::mse;
  Var scores, target;
  RankLoss rank = RankLoss::xent;  // LossKind::rank
  float bpreg = 0.0f;
};
// Squared error of sparse scores against the target's values at the same (row, column) pairs.
// Also: dense scores of width 1 against a label input of width 1 with one value per row (a score
// per (user, item) pair, NCF and MF).
LossSpec masked_mse(Var scores, Var target);
// Logistic loss of sparse logits against the target's values (0 or 1) at the same pairs (or, as
// above, one logit per row against a label per row).
LossSpec masked_bce(Var scores, Var target);
// Multinomial log-likelihood: dense logits (a score for every column) against a sparse target's
// values, through a full softmax per row (Mult-DAE, Mult-VAE).
LossSpec multinomial(Var logits, Var target);
// A ranking loss per row of sparse scores (kernels/loss.h, RankLoss): the target, on the same
// pattern, marks each row's positive with a value > 0; the row's other scores are its negatives
// (GRU4Rec's sampled outputs). bpreg weighs BPR-max's score regularization.
LossSpec ranking(RankLoss kind, Var scores, Var target, float bpreg = 0.0f);

struct Regularizer {
  float l2 = 0.0f;  // adds l2/2 · ||W||² over every weight matrix (not biases)
};
Regularizer l2(float lambda);

class Net {
 public:
  Net() = default;
  explicit Net(std::string name);
  Net(Net&&) = default;
  Net& operator=(Net&&) = default;

  // ---- layers ----
  Var sparse_input(const std::string& name, int64_t width);
  // Fully connected. On a sparse input this is the gather primitive (work ∝ nonzeros).
  Var dense(Var x, int64_t units, Act act, const std::string& name = "");
  // A row of a table per nonzero, weighted by its value: on one-hot rows (ids), an embedding lookup
  // (the gather primitive, no bias); only the rows a batch touches are updated.
  // Initialised from N(0, init_std²) (NCF: 0.01).
  Var embedding(Var ids, int64_t dim, const std::string& name = "", float init_std = 0.01f);
  Var concat(const std::vector<Var>& xs, const std::string& name = "");
  Var multiply(Var a, Var b, const std::string& name = "");           // elementwise, same widths
  Var dot(Var a, Var b, const std::string& name = "");                // row-wise inner product: width 1
  Var sum(const std::vector<Var>& xs, const std::string& name = "");  // Σ x_i + a learned bias
  // FM's pairwise interactions Σ_{f<g} ⟨e_f, e_g⟩ of the `fields` embeddings side by side in x
  // (width fields·k): width 1 (DeepFM).
  Var fm(Var x, int64_t fields, const std::string& name = "");
  // DCN-v2's cross layer: x0 ⊙ (W·xl + b) + xl, W full (rank 0) or U·V of the given rank; x0 and xl
  // of one width. Made of a dense layer (two for low rank), a multiply and a sum without bias.
  Var cross(Var x0, Var xl, int64_t rank, const std::string& name = "");
  // A VAE's sample from x = [μ | log σ²] (width 2L → L), adding β·KL to the loss (sample_layer.h).
  Var gaussian_sample(Var x, float beta_max, int64_t anneal_steps, const std::string& name = "");
  Var dropout(Var x, float p, const std::string& name = "");
  // ---- sequences: time-major rows (row t·B + b is step t of sequence b), T = steps, left-padded;
  // `mask` a sparse input of width 1 with one value per row (1 at a real step, 0 at padding) ----
  // A GRU over whole sequences, backprop through time; every step's state (recurrent_layer.h).
  Var gru_sequence(Var x, int64_t hidden, Var mask, int64_t steps, const std::string& name = "");
  Var last_step(Var seq, int64_t steps, const std::string& name = "");  // each sequence's last row
  // The mean of each sequence's real steps (the mask's 1s): STAMP's session memory m_s.
  Var mean_steps(Var seq, Var mask, int64_t steps, const std::string& name = "");
  // A 1-D convolution of `filters` filters over `width` consecutive steps of a time-major seq (T =
  // steps) with its "valid" positions only: steps − width + 1 steps out (conv_layers.h).
  Var conv1d(Var seq, int64_t filters, int64_t width, int64_t steps, Act act, const std::string& name = "");
  // Each sequence's maximum over its steps, column by column (a CNN's max-pooling over positions).
  Var max_steps(Var seq, int64_t steps, const std::string& name = "");
  // NARM's attention of `query` (one row per sequence) over the steps of `seq` (sequence_layers.h).
  Var attention(Var seq, Var query, int64_t steps, const std::string& name = "");
  // Logits for every row of the table of the embedding layer that made `embedded`: x·Wᵀ, plus a
  // learned bias per row when `bias`. The table is then updated on all rows, not lazily. A
  // cosine_scale s > 0 scores s · cos(x, W_i) instead (rows scaled to unit length first).
  Var tied_output(Var x, Var embedded, bool bias, const std::string& name = "", float cosine_scale = 0.0f);
  // A GRU of `hidden` units over x (sparse one-hot items: a gather; dense: a GEMM), one step per
  // forward pass with its state carried across passes (recurrent_layer.h).
  Var gru(Var x, int64_t hidden, const std::string& name = "");
  // Denoising: drops each observed input value with probability p (survivors scaled by 1/(1-p)).
  Var corrupt(Var x, float p, const std::string& name = "");
  // Scores ⟨h_row, V_col⟩ + c_col only at the nonzeros of `pattern` (the sampled dot primitive).
  Var sparse_output(Var h, int64_t width, Act act, Var pattern, const std::string& name = "");
  // A sparse output whose weight is the weight of the dense layer that made `tied_to` from a
  // sparse input of the same width (an RBM's visible units share W with its hidden units); only
  // its bias is new. The shared weight is updated on all rows, not lazily.
  Var tied_sparse_output(Var h, Var pattern, Var tied_to, const std::string& name = "");
  // Sparse `scores` plus the values of the sparse input `offsets` (one per entry, or one row of a
  // value per column of a block pattern), not learned: a training-time correction such as a
  // sampled softmax's logQ. Inference skips it (set the output to `scores`).
  Var shift(Var scores, Var offsets, const std::string& name = "");
  // A conditional GAN discriminator's input (CFGAN): 2B rows of width 2n from B users' purchases
  // `condition` (a sparse input of width n) and the generator's vectors `generated` (dense, width
  // n) — real rows [e_u | e_u], then generated rows [e_u | r̂_u ⊙ (e_u + k_u)], k_u unpurchased
  // items drawn with probability mask_ratio in training (adversarial_layer.h).
  Var discriminator_input(Var condition, Var generated, float mask_ratio, const std::string& name = "");
  // The loss, added as the last layer: no layer may follow it.
  void minimize(LossSpec loss, Regularizer reg = {});
  // For nets trained by their own step, without a loss (RBM): the output predictions read, and
  // the weight decay the optimizer applies.
  void set_output(Var v);
  void set_regularizer(Regularizer reg);
  // The layer whose output is `v`; throws if an input or no layer makes it.
  Layer& producer(Var v) const;
  // The parameter named `name` ("layer.weight"); throws listing the known ones.
  const Param& param(const std::string& name) const;

  // ---- inspection ----
  const std::string& name() const { return name_; }
  const VarInfo& var(Var v) const;
  const std::vector<VarInfo>& vars() const { return vars_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  const std::vector<const Param*>& params() const { return param_list_; }
  // Starts parameter `name` (e.g. "output.weight") at zero instead of its layer's initialisation:
  // a net that learns a residual then begins as exactly its baseline. Throws for an unknown name.
  void start_at_zero(const std::string& name);
  const LossSpec& loss() const { return loss_; }
  const Regularizer& regularizer() const { return reg_; }
  bool has_loss() const { return loss_.scores.valid(); }
  Var input(const std::string& name) const;                                // throws naming the known inputs
  Var output() const { return output_.valid() ? output_ : loss_.scores; }  // what predictions read
  int64_t parameter_count() const;
  std::string summary() const;

 private:
  Var add_var(const std::string& layer, VarKind kind, int64_t width, const Var* pattern_from);
  // Checks that every x is a dense variable and, when `same_width`, that all widths agree.
  void check_dense(const std::string& layer, const std::vector<Var>& xs, bool same_width) const;
  Param* add_param(const std::string& name, int64_t rows, int64_t cols, ParamInit init, bool row_sparse);
  const VarInfo& checked(Var v, const std::string& layer, const char* role) const;
  // A dense layer or an embedding over a sparse var computes no gradient for the var's values
  // (only for its own weights): refused when a layer with parameters made the var, whose training
  // would otherwise stop there without a word. A sparse input, or a corruption of one, is fine.
  void check_no_trained_producer(const std::string& layer, Var x) const;
  std::string unique_layer_name(const std::string& requested, const char* kind);
  [[noreturn]] void fail(const std::string& layer, const std::string& what) const;

  std::string name_;
  std::vector<VarInfo> vars_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::unique_ptr<Param>> params_;  // stable addresses: layers point at them
  std::vector<const Param*> param_list_;
  LossSpec loss_;
  Regularizer reg_;
  Var output_;
};

}  // namespace sr
