// What every training loop does with an epoch: its batches made on the host and uploaded while
// the previous one trains, a step each (or, data-parallel, a global step of several shards whose
// gradients are summed across processes), each loss checked for divergence, and the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "engine/batch_fields.h"
#include "engine/train/trainer.h"

namespace sr {

// One epoch's bookkeeping: the losses summed and checked, and the report at the end.
class Epoch {
 public:
  Epoch(int epoch, int epochs) : epoch_(epoch), epochs_(epochs), t0_(std::chrono::steady_clock::now()) {}
  // A step's loss; a non-finite one stops training with the epoch and step that diverged.
  void add(double loss);
  // `work`: the interactions (`unit`) the epoch went through, for the rate in the report.
  void finish(Exec& ex, int64_t work, const char* unit, const std::function<void(const EpochReport&)>& on_epoch) const;

 private:
  int epoch_, epochs_;
  std::chrono::steady_clock::time_point t0_;
  double total_ = 0.0;
  int64_t steps_ = 0;
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
};

// Trains every batch of `feed` by `step` (config.parallel: shards of global steps, DESIGN.md §4).
void run_epoch(Exec& ex, TrainStep& step, Optimizer& opt, const TrainConfig& config, const EpochFeed& feed, Epoch& epoch);

// The loop of every trainer: for each of config's epochs, the step's schedule and the learning
// rate, then `start_epoch(epoch)` (the batchers' new order) and the feed it returns trained by
// run_epoch, then the report, `work` `unit`s an epoch. The feed's functions may refer to state
// the caller keeps; they are called only during that epoch.
void train_epochs(Exec& ex, TrainStep& step, const TrainConfig& config, const std::function<EpochFeed(int)>& start_epoch,
                  int64_t work, const char* unit, const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace sr
