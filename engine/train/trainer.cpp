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
    const auto t0 = std::chrono::steady_clock::now();
    double total = 0.0;
    int64_t batch_index = 0;
    auto run_one = [&](const SparseBatch& b) {
      ex.bind(input, &b);
      const double loss = step.run(ex, opt);
      if (!std::isfinite(loss))
        throw error("training diverged: the loss is ", loss, " at epoch ", epoch, ", batch ", batch_index,
                    " (lower the learning rate or raise l2)");
      total += loss;
      ++batch_index;
    };
    if (full_batch) {
      run_one(whole);
    } else {  // the next batch is built and uploaded while this one trains
      batcher.start_epoch(epoch);
      BatchStream stream(ex.backend(), [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); });
      while (const DeviceBatch* b = stream.next()) {
        const SparseBatch batch = SparseBatch::view_of(*b);
        run_one(batch);
      }
    }
    ex.backend().synchronize();
    EpochReport r;
    r.epoch = epoch;
    r.epochs = config.epochs;
    r.loss = total;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.nnz_per_second = static_cast<double>(data.nnz()) / std::max(r.seconds, 1e-9);
    if (on_epoch) on_epoch(r);
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
    const auto t0 = std::chrono::steady_clock::now();
    double total = 0.0;
    int64_t batch_index = 0;
    batcher.start_epoch(epoch);
    BatchStream stream(ex.backend(), [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); });
    while (const DeviceBatch* b = stream.next()) {
      const SparseBatch in = SparseBatch::view_of(*b, 0), target = SparseBatch::view_of(*b, 1);
      ex.bind(input, &in);
      ex.bind(targets, &target);
      const double loss = step.run(ex, opt);
      if (!std::isfinite(loss))
        throw error("training diverged: the loss is ", loss, " at epoch ", epoch, ", batch ", batch_index,
                    " (lower the learning rate or raise l2)");
      total += loss;
      ++batch_index;
    }
    ex.backend().synchronize();
    EpochReport r;
    r.epoch = epoch;
    r.epochs = config.epochs;
    r.loss = total;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.nnz_per_second = static_cast<double>(positives.nnz()) / std::max(r.seconds, 1e-9);
    if (on_epoch) on_epoch(r);
  }
}

}  // namespace sr
