// What every training loop does with an epoch: its batches made on the host and uploaded while
// the previous one trains, a step each (or, data-parallel, a global step of several shards whose
// gradients are summed across processes), each loss checked for divergence, and the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "engine/train/trainer.h"
#include "kernels/batch_fields.h"
#include "kernels/sparse_batch.h"

namespace sr {

// One epoch's bookkeeping: the losses summed and checked, and the report at the end. A step's loss
// arrives as a ticket and is read when the device has it (a few steps later; at the latest
// kLossLag steps later, waiting then), in step order.
class Epoch {
 public:
  // Tickets read without waiting before the oldest is waited for: enough for the device to run
  // ahead of the host's checks, few enough that a divergence stops the run within a few steps.
  static constexpr size_t kLossLag = 4;
  // A resumed epoch starts at step `steps` with their summed loss.
  Epoch(Exec& ex, int epoch, int epochs, int64_t steps = 0, double loss = 0.0)
      : ex_(&ex), epoch_(epoch), epochs_(epochs), t0_(std::chrono::steady_clock::now()), total_(loss), steps_(steps) {}
  // A step's loss; a non-finite one stops training with the epoch and step that diverged.
  void add(double loss);
  // A step's loss as a ticket, read when it arrives (settle).
  void add(LossTicket loss);
  // Reads the tickets that have arrived, oldest first (all of them, waiting, when `all`): the total
  // is then that of every step so far.
  void settle(bool all);
  double total() const { return total_; }
  StepTimes& times() { return times_; }  // filled by the data-parallel loop
  // `work`: the interactions (`unit`) the epoch went through, for the rate in the report.
  void finish(Exec& ex, int64_t work, const char* unit, const std::function<void(const EpochReport&)>& on_epoch) const;

 private:
  Exec* ex_;
  int epoch_, epochs_;
  std::chrono::steady_clock::time_point t0_;
  std::deque<LossTicket> pending_;
  double total_ = 0.0;
  int64_t steps_ = 0;
  StepTimes times_;
};

// The local batches of one epoch, as a training loop makes them. Batch k must depend on the
// epoch and k alone (not on which batches were made before): data-parallel ranks make only theirs.
struct EpochFeed {
  int64_t batches = 0;                            // local batches in the epoch
  std::function<bool(int64_t, HostBatch&)> fill;  // batch k on the host (on the loader thread)
  std::function<void(const DeviceBatch&)> bind;   // its sparse inputs bound to the net
  std::function<int64_t(int64_t)> rows_of;        // rows of batch k
  // Instead of the above: the epoch is one batch already on the device, bound by this.
  std::function<void()> bind_resident;
  // False when the net carries state from batch to batch (session-parallel lanes): checkpoints
  // are then taken at epoch ends only, where that state starts afresh.
  bool checkpoint_within_epoch = true;
};

// A feed's `bind` for batches whose blocks are the net's sparse inputs in order: block i of each
// device batch is bound to vars[i]. The caller keeps it for the whole run (the executor holds
// pointers to its views) and passes std::ref of it as the feed's bind.
class BlockBinder {
 public:
  BlockBinder(Exec& ex, std::vector<Var> vars) : ex_(&ex), vars_(std::move(vars)), views_(vars_.size()) {}
  void operator()(const DeviceBatch& b) {
    for (size_t i = 0; i < vars_.size(); ++i) {
      views_[i] = SparseBatch::view_of(b, static_cast<int>(i));
      ex_->bind(vars_[i], &views_[i]);
    }
  }

 private:
  Exec* ex_;
  std::vector<Var> vars_;
  std::vector<SparseBatch> views_;
};

// The loop of every trainer: for each of config's epochs, the step's schedule and the learning
// rate, then `start_epoch(epoch)` (the batchers' new order) and every batch of the feed it
// returns, a step each (data-parallel: `shards` batches a global step, DESIGN.md §4), then the
// report, `work` `unit`s an epoch. Checkpoints (config.checkpoint) every `every` global steps and
// at each epoch's end; with `resume`, it starts where the newest checkpoint left off. The feed's
// functions may refer to state the caller keeps; they are called only during that epoch.
void train_epochs(Exec& ex, TrainStep& step, const TrainConfig& config,
                  const std::function<EpochFeed(int)>& start_epoch, int64_t work, const char* unit,
                  const std::function<void(const EpochReport&)>& on_epoch);

// train_epochs over a batcher (start_epoch(epoch), batches(), rows_in(k)) whose batch k is made on
// the host by fill(k, h) and whose blocks bind to `vars` in order.
template <class Batcher, class Fill>
void train_batches(Exec& ex, TrainStep& step, const TrainConfig& config, Batcher& batcher, Fill fill,
                   std::vector<Var> vars, int64_t work, const char* unit,
                   const std::function<void(const EpochReport&)>& on_epoch) {
  BlockBinder bind(ex, std::move(vars));
  train_epochs(
      ex, step, config,
      [&](int epoch) {
        batcher.start_epoch(epoch);
        return EpochFeed{batcher.batches(), fill, std::ref(bind), [&](int64_t k) { return batcher.rows_in(k); },
                         nullptr};
      },
      work, unit, on_epoch);
}

}  // namespace sr
