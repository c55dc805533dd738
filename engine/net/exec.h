// Runs a Net on a backend: binds input batches, runs the layers forward and backward, and keeps
// what one run needs — every variable's values and gradients, the parameters' gradients, random
// draws and recurrent state. The weights come from a ParamStore, which several executors may share
// (read-only: only the optimizer writes it). Scoring entry points are in scoring.h.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/net/exec_state.h"
#include "engine/net/loss_queue.h"
#include "engine/net/net.h"
#include "engine/net/param_store.h"
#include "kernels/sparse_batch.h"

namespace sr {

class Exec {
 public:
  // Places the net's parameters on `be` in a store of its own, initialised from `seed` (the same
  // on every backend); draws from `seed` too.
  Exec(Net& net, Backend& be, uint64_t seed);
  // Runs on the weights of `params` (a store of the same net), drawing from `seed`; shared, or owned.
  Exec(Net& net, ParamStore& params, uint64_t seed);
  Exec(Net& net, std::unique_ptr<ParamStore> params, uint64_t seed);
  Exec(const Exec&) = delete;
  Exec& operator=(const Exec&) = delete;

  Net& net() { return net_; }
  Backend& backend() { return be_; }
  ParamStore& params() { return *params_; }
  bool training() const { return training_; }

  // Inputs for the next forward pass. The batch must outlive the pass.
  void bind(Var sparse_input, const SparseBatch* batch);
  // Score a sparse output at another pattern's pairs (evaluation), instead of its training pattern;
  // the loss is then not computed.
  void query(Var sparse_output, const SparseBatch* pattern);
  void clear_queries() { queries_.clear(); }
  bool queried(Var v) const { return queries_.count(v.id) > 0; }

  // Forward pass through every layer; in training mode dropout and corruption are active. Returns
  // the loss the layers added (the loss layer, and terms such as a VAE's KL), else 0: this waits
  // for the device (a host sync). forward_async returns it as a ticket instead (loss_queue.h).
  double forward(bool training);
  LossTicket forward_async(bool training);
  // The same pass without taking its ticket: for a training step that adds loss terms of its own
  // and then takes them all as one (take_loss).
  void run_layers(bool training);
  // The loss terms added since the last ticket (a training step that drives the layers itself),
  // and a ticket's value: when it has arrived, or waiting for it (`wait`).
  LossTicket take_loss() { return losses_.take(); }
  std::optional<double> read_loss(LossTicket t, bool wait) { return losses_.read(t, wait); }
  // A ticket taken while the backend captured a graph: the loss of a replay (loss_queue.h).
  LossTicket replayed_loss(LossTicket captured) { return losses_.replayed(captured); }
  void forget_loss(LossTicket captured) { losses_.forget(captured); }
  // Backward from the loss into every parameter's gradient.
  void backward();
  // Inference up to `v`: runs every layer before v's producer (skipping outputs not asked for) and
  // returns the producer, not yet run.
  Layer& run_until(Var v);

  // ---- for layers ----
  struct Slot {
    Tensor value, grad;  // dense: rows x width; sparse: nnz x 1
    const SparseBatch* pattern = nullptr;
    const float* values = nullptr;  // sparse: the nonzeros' values (a batch's, or `value`'s)
    int64_t rows = 0;
  };
  Slot& slot(Var v) { return slots_.at(static_cast<size_t>(v.id)); }
  // Ensures slot(v) holds rows x width (dense) or nnz (sparse) values (and gradients if training).
  Slot& prepare(Var v, int64_t rows, const SparseBatch* pattern);
  const SparseBatch* pattern_for(Var v);  // the pattern a sparse var lives on (query or input)
  // A gradient some layer wrote during forward (a loss fused with its gradient): backward keeps it
  // instead of starting it at zero.
  void mark_gradient_written(Var v) { written_in_forward_.push_back(v.id); }
  // A term of this pass's loss: scale · Σ values[0..n) of device memory (copied to the host now).
  void add_loss(const float* device_values, int64_t n, double scale = 1.0) { losses_.add(device_values, n, scale); }

  const Tensor& weights(const Param& p) { return params_->weights(p); }
  // A parameter's gradient in this executor (created zeroed on first use), and the rows the last
  // backward touched (row-sparse parameters; null means every row).
  struct Gradient {
    Tensor g;
    const int32_t* touched_rows = nullptr;
    int64_t n_touched = 0;
  };
  Gradient& gradient(const Param& p);

  DrawStream& draws() { return draws_; }
  DeviceConstants& constants() { return constants_; }
  LayerState& state() { return state_; }
  // Rows (batch lanes) that start a new sequence before the next forward pass: a batch's list on
  // the host and the device, or a list on the host alone (uploaded here: a host sync).
  void reset_state(const LaneResets& rows);
  void reset_state(const std::vector<int32_t>& rows);
  ScatterMode scatter_mode() const { return scatter_mode_; }
  void set_scatter_mode(ScatterMode m) { scatter_mode_ = m; }
  // Optimizer updates made from this executor's gradients so far (the training loops count them):
  // the clock of schedules inside the net (a VAE's KL annealing). Checkpoints save it.
  int64_t updates() const { return updates_; }
  void count_update() { ++updates_; }
  void set_updates(int64_t n) { updates_ = n; }

 private:
  Net& net_;
  Backend& be_;
  std::unique_ptr<ParamStore> own_params_;  // when the executor placed the net itself
  ParamStore* params_;
  bool training_ = false;
  ScatterMode scatter_mode_ = ScatterMode::deterministic;
  int64_t updates_ = 0;
  std::vector<Slot> slots_;
  std::vector<Gradient> gradients_;
  std::vector<int> written_in_forward_;
  std::map<int, const SparseBatch*> queries_;
  DrawStream draws_;
  DeviceConstants constants_;
  LayerState state_;
  LossQueue losses_;
};

}  // namespace sr
