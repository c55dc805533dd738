#include "engine/train/trainer.h"

#include <cmath>

#include "engine/data/batchers.h"
#include "engine/train/epoch_loop.h"
#include "kernels/error.h"

namespace sr {

LossTicket TrainStep::run(Exec& ex, Optimizer& opt) {
  const LossTicket loss = gradients(ex, 0);
  opt.step(ex);
  ex.count_update();
  return loss;
}

LossTicket BackpropStep::gradients(Exec& ex, int64_t /*global_rows*/) {
  const LossTicket loss = ex.forward_async(true);
  ex.backward();
  return loss;
}

void train_rows(Exec& ex, Var input, const HostCsr& data, const TrainConfig& config, TrainStep& step,
                const std::function<void(const EpochReport&)>& on_epoch) {
  if (data.nnz() == 0) throw error("training data has no ratings");
  RowBatcher batcher(data, config.batch_rows, config.seed);
  // One batch for the whole matrix stays on the device for the whole run (data-parallel refuses it).
  const bool resident = batcher.batches() == 1;
  SparseBatch whole, batch;
  if (resident && !config.parallel.active()) whole = SparseBatch(ex.backend(), data);
  train_epochs(
      ex, step, config,
      [&](int epoch) {
        EpochFeed f;
        if (resident) {
          f.bind_resident = [&] { ex.bind(input, &whole); };
          return f;
        }
        batcher.start_epoch(epoch);
        f.batches = batcher.batches();
        f.fill = [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); };
        f.bind = [&](const DeviceBatch& b) { batch = SparseBatch::view_of(b), ex.bind(input, &batch); };
        f.rows_of = [&](int64_t k) { return batcher.rows_in(k); };
        return f;
      },
      data.nnz(), "ratings", on_epoch);
}

void train_rows_with_targets(Exec& ex, Var input, Var targets, const HostCsr& inputs, const HostCsr& positives,
                             int negatives, const TrainConfig& config, TrainStep& step,
                             const std::function<void(const EpochReport&)>& on_epoch) {
  if (positives.nnz() == 0) throw error("training data has no positives");
  RowTargetBatcher batcher(inputs, positives, negatives, config.batch_rows, config.seed);
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); }, {input, targets},
      positives.nnz(), "ratings", on_epoch);
}

PairInputs PairInputs::of(const Net& net) { return {net.input("user"), net.input("item"), net.input("label")}; }

void train_pairs(Exec& ex, const PairInputs& in, const HostCsr& by_user, int negatives, bool rating_labels,
                 const TrainConfig& config, TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (by_user.nnz() == 0) throw error("training data has no interactions");
  const int64_t per_batch = config.batch_rows > 0 ? config.batch_rows : by_user.nnz();
  TripleBatcher batcher(by_user, negatives, per_batch, config.seed, rating_labels);
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill_encoded(k, h); },
      {in.user, in.item, in.label}, by_user.nnz() * (1 + negatives), "ratings", on_epoch);
}

}  // namespace sr
