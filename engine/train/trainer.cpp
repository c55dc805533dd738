#include "engine/train/trainer.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/data/batchers.h"
#include "engine/error.h"
#include "engine/train/epoch_loop.h"

namespace sr {

double TrainStep::run(Exec& ex, Optimizer& opt) {
  const double loss = gradients(ex, 0);
  if (!std::isfinite(loss)) return loss;  // the caller reports divergence
  opt.step(ex.net().params());
  ex.count_update();
  return loss;
}

double BackpropStep::gradients(Exec& ex, int64_t /*global_rows*/) {
  const double loss = ex.forward(true);
  if (!std::isfinite(loss)) return loss;
  ex.backward();
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

}  // namespace

void train_rows(Exec& ex, Var input, const HostCsr& data, const TrainConfig& config, TrainStep& step,
                const std::function<void(const EpochReport&)>& on_epoch) {
  if (data.nnz() == 0) throw error("training data has no ratings");
  ex.set_scatter_mode(config.scatter);
  config.parallel.check();
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  RowBatcher batcher(data, config.batch_rows, config.seed);
  const bool full_batch = batcher.batches() == 1;
  if (full_batch && config.parallel.active())
    throw error("data-parallel training splits batches: give a batch size (the whole matrix is one batch)");
  SparseBatch whole;
  if (full_batch) whole = SparseBatch(ex.backend(), data);  // resident for the whole run
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    Epoch e(epoch, config.epochs);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    if (full_batch) {
      ex.bind(input, &whole);
      e.add(step.run(ex, opt));
    } else {
      batcher.start_epoch(epoch);
      SparseBatch batch;
      run_epoch(ex, step, opt, config,
                {batcher.batches(), [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); },
                 [&](const DeviceBatch& b) { batch = SparseBatch::view_of(b), ex.bind(input, &batch); },
                 [&](int64_t k) { return batcher.rows_in(k); }},
                e);
    }
    e.finish(ex, data.nnz(), "ratings", on_epoch);
  }
}

void train_rows_with_targets(Exec& ex, Var input, Var targets, const HostCsr& inputs, const HostCsr& positives,
                             int negatives, const TrainConfig& config, TrainStep& step,
                             const std::function<void(const EpochReport&)>& on_epoch) {
  if (positives.nnz() == 0) throw error("training data has no positives");
  ex.set_scatter_mode(config.scatter);
  config.parallel.check();
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  RowTargetBatcher batcher(inputs, positives, negatives, config.batch_rows, config.seed);
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    Epoch e(epoch, config.epochs);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    batcher.start_epoch(epoch);
    SparseBatch in, target;
    run_epoch(ex, step, opt, config,
              {batcher.batches(), [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); },
               [&](const DeviceBatch& b) {
                 in = SparseBatch::view_of(b, 0), target = SparseBatch::view_of(b, 1);
                 ex.bind(input, &in), ex.bind(targets, &target);
               },
               [&](int64_t k) { return batcher.rows_in(k); }},
              e);
    e.finish(ex, positives.nnz(), "ratings", on_epoch);
  }
}

PairInputs PairInputs::of(const Net& net) { return {net.input("user"), net.input("item"), net.input("label")}; }

void train_pairs(Exec& ex, const PairInputs& in, const HostCsr& by_user, int negatives, bool rating_labels,
                 const TrainConfig& config, TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (by_user.nnz() == 0) throw error("training data has no interactions");
  ex.set_scatter_mode(config.scatter);
  config.parallel.check();
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  const int64_t per_batch = config.batch_rows > 0 ? config.batch_rows : by_user.nnz();
  TripleBatcher batcher(by_user, negatives, per_batch, config.seed, rating_labels);
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    Epoch e(epoch, config.epochs);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    batcher.start_epoch(epoch);
    SparseBatch u, i, l;
    run_epoch(ex, step, opt, config,
              {batcher.batches(), [&](int64_t k, HostBatch& h) { return batcher.fill_encoded(k, h); },
               [&](const DeviceBatch& b) {
                 u = SparseBatch::view_of(b, 0), i = SparseBatch::view_of(b, 1), l = SparseBatch::view_of(b, 2);
                 ex.bind(in.user, &u), ex.bind(in.item, &i), ex.bind(in.label, &l);
               },
               [&](int64_t k) { return batcher.rows_in(k); }},
              e);
    e.finish(ex, by_user.nnz() * (1 + negatives), "ratings", on_epoch);
  }
}

}  // namespace sr
