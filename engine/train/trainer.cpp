#include "engine/train/trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>

#include "engine/data/batch_stream.h"
#include "engine/data/batchers.h"
#include "engine/error.h"

namespace sr {

double BackpropStep::run(Exec& ex, Optimizer& opt) {
  const double loss = ex.forward(true);
  if (!std::isfinite(loss)) return loss;  // the caller reports divergence before anything is updated
  ex.backward();
  opt.step(ex.net().params());
  return loss;
}

HostCsr select_rows(const HostCsr& a, const std::vector<int32_t>& rows) {
  HostCsr out;
  out.rows = static_cast<int64_t>(rows.size());
  out.cols = a.cols;
  for (int32_t r : rows) {
    for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      out.col_idx.push_back(a.col_idx[k]);
      if (!a.val.empty()) out.val.push_back(a.val[k]);
    }
    out.row_ptr.push_back(static_cast<int32_t>(out.col_idx.size()));
  }
  return out;
}

namespace {

// One epoch's bookkeeping, shared by the training loops: each step checked for divergence, the
// loss summed, and the report at the end.
class Epoch {
 public:
  Epoch(int epoch, int epochs) : epoch_(epoch), epochs_(epochs), t0_(std::chrono::steady_clock::now()) {}
  void step(TrainStep& step, Exec& ex, Optimizer& opt) {
    const double loss = step.run(ex, opt);
    if (!std::isfinite(loss))
      throw error("training diverged: the loss is ", loss, " at epoch ", epoch_, ", batch ", batches_,
                  " (lower the learning rate or raise l2)");
    total_ += loss;
    ++batches_;
  }
  // `work`: the interactions the epoch went through, for the rate in the report.
  void finish(Exec& ex, int64_t work, const std::function<void(const EpochReport&)>& on_epoch) const {
    ex.backend().synchronize();
    EpochReport r;
    r.epoch = epoch_;
    r.epochs = epochs_;
    r.loss = total_;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    r.nnz_per_second = static_cast<double>(work) / std::max(r.seconds, 1e-9);
    if (on_epoch) on_epoch(r);
  }

 private:
  int epoch_, epochs_;
  std::chrono::steady_clock::time_point t0_;
  double total_ = 0.0;
  int64_t batches_ = 0;
};

}  // namespace

void train_rows(Exec& ex, Var input, const HostCsr& data, const TrainConfig& config, TrainStep& step,
                const std::function<void(const EpochReport&)>& on_epoch) {
  if (data.nnz() == 0) throw error("training data has no ratings");
  ex.set_scatter_mode(config.scatter);
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  RowBatcher batcher(data, config.batch_rows, config.seed);
  const bool full_batch = batcher.batches() == 1;
  SparseBatch whole;
  if (full_batch) whole = SparseBatch(ex.backend(), data);  // resident for the whole run
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    Epoch e(epoch, config.epochs);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    if (full_batch) {
      ex.bind(input, &whole);
      e.step(step, ex, opt);
    } else {  // the next batch is built and uploaded while this one trains
      batcher.start_epoch(epoch);
      BatchStream stream(ex.backend(), [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); });
      while (const DeviceBatch* b = stream.next()) {
        const SparseBatch batch = SparseBatch::view_of(*b);
        ex.bind(input, &batch);
        e.step(step, ex, opt);
      }
    }
    e.finish(ex, data.nnz(), on_epoch);
  }
}

void train_rows_with_targets(Exec& ex, Var input, Var targets, const HostCsr& inputs, const HostCsr& positives,
                             int negatives, const TrainConfig& config, TrainStep& step,
                             const std::function<void(const EpochReport&)>& on_epoch) {
  if (positives.nnz() == 0) throw error("training data has no positives");
  ex.set_scatter_mode(config.scatter);
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  RowTargetBatcher batcher(inputs, positives, negatives, config.batch_rows, config.seed);
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    Epoch e(epoch, config.epochs);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    batcher.start_epoch(epoch);
    BatchStream stream(ex.backend(), [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); });
    while (const DeviceBatch* b = stream.next()) {
      const SparseBatch in = SparseBatch::view_of(*b, 0), target = SparseBatch::view_of(*b, 1);
      ex.bind(input, &in);
      ex.bind(targets, &target);
      e.step(step, ex, opt);
    }
    e.finish(ex, positives.nnz(), on_epoch);
  }
}

PairInputs PairInputs::of(const Net& net) { return {net.input("user"), net.input("item"), net.input("label")}; }

void train_pairs(Exec& ex, const PairInputs& in, const HostCsr& by_user, int negatives, bool rating_labels,
                 const TrainConfig& config, TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (by_user.nnz() == 0) throw error("training data has no interactions");
  ex.set_scatter_mode(config.scatter);
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  const int64_t per_batch = config.batch_rows > 0 ? config.batch_rows : by_user.nnz();
  TripleBatcher batcher(by_user, negatives, per_batch, config.seed, rating_labels);
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    Epoch e(epoch, config.epochs);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    batcher.start_epoch(epoch);
    BatchStream stream(ex.backend(), [&](int64_t k, HostBatch& h) { return batcher.fill_encoded(k, h); });
    while (const DeviceBatch* b = stream.next()) {
      const SparseBatch u = SparseBatch::view_of(*b, 0), i = SparseBatch::view_of(*b, 1), l = SparseBatch::view_of(*b, 2);
      ex.bind(in.user, &u);
      ex.bind(in.item, &i);
      ex.bind(in.label, &l);
      e.step(step, ex, opt);
    }
    e.finish(ex, by_user.nnz() * (1 + negatives), on_epoch);
  }
}

}  // namespace sr
