// Runs a Net on a backend: binds input batches, runs forward and backward, computes the loss, and
// answers predictions (scores at listed pairs, or all columns for top-K).
#pragma once

#include <map>
#include <tuple>
#include <vector>

#include "engine/net/net.h"
#include "engine/sparse_batch.h"

namespace sr {

class SparseOutputLayer;

class Exec {
 public:
  // Places the net's parameters on `be`, initialised from `seed` (the same on every backend).
  Exec(Net& net, Backend& be, uint64_t seed);
  // Releases the parameters' device memory: a net's device state lives exactly as long as the Exec
  // that placed it, so it never outlives its backend.
  ~Exec();
  Exec(const Exec&) = delete;
  Exec& operator=(const Exec&) = delete;

  Net& net() { return net_; }
  Backend& backend() { return be_; }
  bool training() const { return training_; }

  // Inputs for the next forward pass. The batch must outlive the pass.
  void bind(Var sparse_input, const SparseBatch* batch);
  // Score a sparse output at another pattern's pairs (evaluation), instead of its training pattern.
  void query(Var sparse_output, const SparseBatch* pattern);
  void clear_queries() { queries_.clear(); }

  // Forward pass; in training mode dropout and corruption are active. Returns the loss (training
  // or not) when the net has one and its target is bound, else 0.
  double forward(bool training);
  // Backward from the loss into every parameter's gradient.
  void backward();
  // Scores of a sparse output at its pattern's nonzeros, after forward().
  std::vector<float> sparse_values(Var v);
  // All columns of a sparse output for the bound rows (rows x width), for ranking.
  Tensor dense_scores(Var sparse_output);
  // Every column's score for the bound rows: a sparse output's dense path, or a dense output
  // (full-softmax logits) computed without its loss — inputs the output does not need stay unbound.
  Tensor all_scores(Var output);
  // The input of a sparse output (its hidden representation) for the bound rows.
  Tensor output_input(Var sparse_output);
  // Scores of the listed columns of a sparse output for all rows of h_all (see SparseOutputLayer).
  Tensor column_scores(Var sparse_output, const Tensor& h_all, const IndexArray& columns);

  // ---- for layers ----
  struct Slot {
    Tensor value, grad;              // dense: rows x width; sparse: nnz x 1
    const SparseBatch* pattern = nullptr;
    const float* values = nullptr;   // sparse: the nonzeros' values (a batch's, or `value`'s)
    int64_t rows = 0;
  };
  Slot& slot(Var v) { return slots_.at(static_cast<size_t>(v.id)); }
  // Ensures slot(v) holds rows x width (dense) or nnz (sparse) values (and gradients if training).
  Slot& prepare(Var v, int64_t rows, const SparseBatch* pattern);
  const SparseBatch* pattern_for(Var v);  // the pattern a sparse var lives on (query or input)
  uint64_t draw_seed();                   // a fresh seed per dropout/corruption use, from the Exec's seed
  // Makes the next passes draw the same dropout/corruption masks as the first pass after this call
  // (gradient checks compare losses under one fixed mask).
  void rewind_draws() { draws_ = 0; }
  // Optimizer updates made from this Exec's gradients so far (the training loops count them): the
  // clock of schedules inside the net (a VAE's KL annealing).
  int64_t updates() const { return updates_; }
  void count_update() { ++updates_; }
  void set_updates(int64_t n) { updates_ = n; }  // a checkpoint's
  // Starts draw stream `stream` (> 0): the masks drawn from here on depend on it and on the seed
  // only, not on what this Exec drew before (data-parallel shards draw by batch, on any rank).
  void set_draw_stream(uint64_t stream) { draws_ = stream << 32; }
  // The draw counter, for checkpoints: restoring it makes the next masks those of the saved run.
  uint64_t draw_count() const { return draws_; }
  void set_draw_count(uint64_t n) { draws_ = n; }
  const Tensor& ones(int64_t n);          // a device vector of n ones (bias gradients via scatter)
  void add_loss(double v) { layer_loss_ += v; }  // a layer's own term (a VAE's KL), in this forward
  const IndexArray& arange(int64_t n);    // 0, 1, ..., n on the device
  CsrView diagonal(int64_t n);            // the n x n identity pattern (row-wise dot products)
  ScatterMode scatter_mode() const { return scatter_mode_; }
  void set_scatter_mode(ScatterMode m) { scatter_mode_ = m; }
  // Device memory a layer keeps between passes (a recurrent layer's carried state, what forward
  // caches for backward), owned here so it never outlives the backend. Key `key` of layer `l` in
  // the current state slot, rows x cols; allocated zeroed when missing or when the shape changes,
  // else kept as it was.
  Tensor& scratch(const Layer& l, int key, int64_t rows, int64_t cols);
  Tensor* find_scratch(const Layer& l, int key);  // null when there is none
  // Writes zeros into the listed rows (host indices) of t: one gather with empty rows.
  void zero_rows(Tensor& t, const int32_t* rows, int64_t n);

  // ---- recurrent state ----
  // Rows (batch lanes) that start a new sequence before the next forward pass (host indices).
  void reset_state(const std::vector<int32_t>& rows);
  // Forgets every carried state (a new epoch, or evaluation after training).
  void clear_state();
  // Whether a forward pass advances the carried state (default). Gradient checks turn it off to
  // evaluate one step repeatedly from the same state.
  bool carry_state() const { return carry_; }
  void set_carry_state(bool on) { carry_ = on; }
  // Which set of carried state (and scratch) the next passes use: one process training several
  // data-parallel shards of session-parallel lanes keeps each shard's state apart. Default 0.
  void set_state_slot(int slot) { slot_ = slot; }

 private:
  Layer& run_until(Var v);                        // runs every layer before v's producer (inference)
  SparseOutputLayer& forward_to_output(Var v);  // run_until, for a sparse output

  Net& net_;
  Backend& be_;
  uint64_t seed_, draws_ = 0;
  int64_t updates_ = 0;
  bool training_ = false;
  ScatterMode scatter_mode_ = ScatterMode::deterministic;
  bool carry_ = true;
  int slot_ = 0;
  std::map<std::tuple<const Layer*, int, int>, Tensor> scratch_;  // (layer, key, state slot)
  std::vector<Slot> slots_;
  std::map<int, const SparseBatch*> inputs_, queries_;
  Tensor ones_;
  IndexArray arange_;
  Tensor loss_value_, row_loss_;
  double layer_loss_ = 0.0;
};

}  // namespace sr
