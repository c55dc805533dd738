// Training steps and the loops over a model family's batches. A TrainStep is one update from one
// batch: backprop here, contrastive divergence for RBM-CF (cd_step.h); train_rows, train_rows_with_targets
// and train_pairs feed a step the batches of a CSR matrix for a number of epochs (epoch_loop.h),
// reporting progress and stopping with a clear error on divergence.
#pragma once

#include <cmath>
#include <functional>
#include <memory>

#include "engine/data/field_inputs.h"
#include "engine/net/exec.h"
#include "engine/train/checkpoint.h"
#include "engine/train/data_parallel.h"
#include "engine/train/optimizer.h"
#include "kernels/csr.h"

namespace sr {

class TrainStep {
 public:
  virtual ~TrainStep() = default;
  // The gradients of the batch bound in `ex`, added into the parameters' gradients; returns the
  // batch's loss as a ticket (engine/net/loss_queue.h: read it a few steps later, without waiting
  // for the device). `global_rows` is the row count of the whole global batch when this batch is
  // one shard of it (data-parallel), else 0: steps that average over rows (CD-k) divide by it, so
  // that shards add up to the global batch's gradient.
  virtual LossTicket gradients(Exec& ex, int64_t global_rows) = 0;
  // One update from the bound batch: its gradients, then the optimizer step. The loss is not
  // known yet: the training loop checks it for divergence when it arrives and stops the run.
  LossTicket run(Exec& ex, Optimizer& opt);
  // Called by the training loops before each epoch (1-based), for steps with a schedule.
  virtual void start_epoch(int /*epoch*/, int /*epochs*/) {}
};

class BackpropStep final : public TrainStep {
 public:
  LossTicket gradients(Exec& ex, int64_t global_rows) override;
};

struct TrainConfig {
  int epochs = 10;
  int64_t batch_rows = 0;  // 0: the whole matrix is one batch; data-parallel: rows of one shard
  uint64_t seed = 42;
  OptimizerConfig optimizer;
  float lr_decay = 1.0f;  // epoch e trains at optimizer.lr · lr_decay^(e − 1)
  ScatterMode scatter = ScatterMode::deterministic;
  DataParallel parallel;     // one process and one shard unless set
  Checkpointing checkpoint;  // none unless set
  // > 0: a measurement, not a training run: one untimed warm-up global step, then this many timed
  // ones through the data-parallel path (even with one shard), then training stops; the report's
  // `steps` figures cover the timed steps (tools/scaling_estimate.py reads them).
  int64_t profile_steps = 0;
  // Called after every global step (epoch, steps done in it): a window on the loop for tests and
  // measurements (tests/step_counters_test.cpp reads the backend's counters from it).
  std::function<void(int, int64_t)> on_step{};
  // Called after every epoch's report, before its checkpoint (the epoch): true stops training
  // there (early stopping, engine/train/early_stopping.h).
  std::function<bool(int)> after_epoch{};
  // Called once when a run resumes at an epoch's start (the epochs already done): true when
  // training had stopped there, so that a run killed after its last epoch trains no more.
  std::function<bool(int)> stopped_after{};
  float lr_at(int epoch) const { return optimizer.lr * std::pow(lr_decay, static_cast<float>(epoch - 1)); }
};

// Where the global steps of an epoch went, on the data-parallel path.
struct StepTimes {
  int64_t steps = 0;            // global steps
  int64_t shards = 0;           // shard gradients computed by this process
  double shard_seconds = 0.0;   // computing them (forward and backward), summed
  double bucket_seconds = 0.0;  // adding them into the exchange's bucket, summed
  double update_seconds = 0.0;  // optimizer steps, summed
  ExchangeStats exchange;       // the gradient exchange (bytes per rank, waiting)

  StepTimes& operator+=(const StepTimes& o) { return add(o, 1); }
  StepTimes& operator-=(const StepTimes& o) { return add(o, -1); }

 private:
  StepTimes& add(const StepTimes& o, int sign) {
    steps += sign * o.steps, shards += sign * o.shards;
    shard_seconds += sign * o.shard_seconds, bucket_seconds += sign * o.bucket_seconds;
    update_seconds += sign * o.update_seconds;
    if (sign > 0)
      exchange += o.exchange;
    else
      exchange -= o.exchange;
    return *this;
  }
};

struct EpochReport {
  int epoch = 0, epochs = 0;
  double loss = 0.0;             // sum of batch losses (the data term of the objective)
  double seconds = 0.0;          // wall time of the epoch's training steps
  double nnz_per_second = 0.0;   // interactions trained on per second
  const char* unit = "ratings";  // what they are ("events" for click sessions)
  StepTimes step_times;          // data-parallel (or profiled) epochs only
};

// Trains `input` of `ex`'s net on the rows of `data`. `on_epoch` may throw to stop early.
void train_rows(Exec& ex, Var input, const HostCsr& data, const TrainConfig& config, TrainStep& step,
                const std::function<void(const EpochReport&)>& on_epoch);

// Trains a net with two sparse inputs per batch: `input` (rows of `inputs`) and `targets` (each
// row's positives of `positives` as 1 and `negatives` sampled unseen columns per positive as 0),
// for models that learn implicit feedback with sampled negatives (CDAE, ...).
void train_rows_with_targets(Exec& ex, Var input, Var targets, const HostCsr& inputs, const HostCsr& positives,
                             int negatives, const TrainConfig& config, TrainStep& step,
                             const std::function<void(const EpochReport&)>& on_epoch);

// The inputs of a net that scores (user, item) pairs (NCF, MF): one-hot users and items, and a
// label per pair (models name them "user", "item", "label").
struct PairInputs {
  Var user, item, label;
  int64_t n_users = 0, n_items = 0;  // the id inputs' widths
  // The net's side-field inputs ("user:age", ...), each with the table its rows come from.
  struct Field {
    Var var;
    const FieldTable* table = nullptr;
  };
  std::vector<Field> fields;
  // `tables` must hold every side field the net reads (it names the first missing one) and outlive
  // the inputs.
  static PairInputs of(const Net& net, const std::vector<FieldTable>& tables = {});
  // The inputs' rows for pairs (users[k], items[k]) labelled labels[k], in the order of vars():
  // users and items one-hot, the labels (one value per row), then per side field its user's or
  // item's row of the field.
  std::vector<HostCsr> rows(const std::vector<int32_t>& users, const std::vector<int32_t>& items,
                            const std::vector<float>& labels) const;
  // The same as the sparse batches 0, 1, ... of a HostBatch (encode_sparse_batch).
  void encode(const std::vector<int32_t>& users, const std::vector<int32_t>& items, const std::vector<float>& labels,
              HostBatch& out) const;
  std::vector<Var> vars() const;
};

// Trains a pair net on every positive of `by_user` (label 1, or its rating with `rating_labels`)
// with `negatives` sampled unseen items each (label 0); config.batch_rows positives per batch.
void train_pairs(Exec& ex, const PairInputs& in, const HostCsr& by_user, int negatives, bool rating_labels,
                 const TrainConfig& config, TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace sr
