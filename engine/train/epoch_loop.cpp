#include "engine/train/epoch_loop.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "kernels/batch_stream.h"
#include "kernels/error.h"

namespace sr {

void Epoch::add(double loss) {
  if (!std::isfinite(loss))
    throw error("training diverged: the loss is ", loss, " at epoch ", epoch_, ", step ", steps_,
                " (lower the learning rate or raise l2)");
  total_ += loss;
  ++steps_;
}

void Epoch::add(LossTicket loss) {
  pending_.push_back(loss);
  settle(false);
}

void Epoch::settle(bool all) {
  while (!pending_.empty()) {
    const std::optional<double> loss = ex_->read_loss(pending_.front(), all || pending_.size() > kLossLag);
    if (!loss) return;
    pending_.pop_front();
    add(*loss);
  }
}

void Epoch::finish(Exec& ex, int64_t work, const char* unit,
                   const std::function<void(const EpochReport&)>& on_epoch) const {
  ex.backend().synchronize();
  EpochReport r;
  r.epoch = epoch_;
  r.epochs = epochs_;
  r.loss = total_;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  r.nnz_per_second = static_cast<double>(work) / std::max(r.seconds, 1e-9);
  r.unit = unit;
  r.step_times = times_;
  if (on_epoch) on_epoch(r);
}

namespace {

// One epoch from global step `first` on; after_step(n) when n global steps of it are done. Stops
// early when more() says so before a global step. A step's loss goes to the epoch as a ticket, read
// a few steps later (data-parallel: at once, summed over the ranks).
void run_epoch(Exec& ex, TrainStep& step, Optimizer& opt, const TrainConfig& config, const EpochFeed& feed,
               Epoch& epoch, int64_t first_step, const std::function<void(int64_t)>& after_step,
               const std::function<bool()>& more) {
  const DataParallel& dp = config.parallel;
  const bool profiling = config.profile_steps > 0;
  if (feed.bind_resident) {
    if (dp.active() || profiling)
      throw error("data-parallel training splits batches: give a batch size (the whole matrix is one batch)");
    feed.bind_resident();
    epoch.add(step.run(ex, opt));
    return;
  }
  if (!dp.active() && !profiling) {
    BatchStream stream(ex.backend(), [&](int64_t j, HostBatch& h) { return feed.fill(first_step + j, h); });
    for (int64_t k = first_step; const DeviceBatch* b = stream.next(); ++k) {
      feed.bind(*b);
      epoch.add(step.run(ex, opt));
      after_step(k + 1);
    }
    return;
  }
  dp.check();
  const int64_t shards = dp.shards, first = dp.first_shard(), own = dp.own_shards();
  const int64_t steps = (feed.batches + shards - 1) / shards;
  // The j-th batch this process trains is shard first + j % own of global step first_step + j / own.
  auto local = [&](int64_t j) { return (first_step + j / own) * shards + first + j % own; };
  BatchStream stream(ex.backend(), [&](int64_t j, HostBatch& h) {
    const int64_t k = local(j);
    return k < feed.batches && feed.fill(k, h);
  });
  GradientExchange exchange(ex, dp.comm);
  StepTimes& times = epoch.times();
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); };
  for (int64_t g = first_step; g < steps && more(); ++g) {
    int64_t global_rows = 0;
    for (int64_t s = 0; s < shards; ++s)
      if (g * shards + s < feed.batches) global_rows += feed.rows_of(g * shards + s);
    exchange.begin_step();
    double loss = 0.0;
    for (int64_t s = first; s < first + own; ++s) {
      const int64_t k = g * shards + s;
      if (k >= feed.batches) {  // the epoch's last global step may be short of shards
        exchange.add_empty_shard();
        continue;
      }
      const DeviceBatch* b = stream.next();
      SR_CHECK(b, "data-parallel: local batch ", k, " of ", feed.batches, " was not made");
      const auto t0 = clock::now();
      ex.state().set_slot(static_cast<int>(s));  // a shard's recurrent state is its own
      feed.bind(*b);
      ex.draws().start(static_cast<uint64_t>(k) + 1);  // dropout masks by batch, not by process
      // The ranks sum their losses, so that all stop together on divergence: read it now.
      const double l = *ex.read_loss(step.gradients(ex, global_rows), true);
      loss += std::isfinite(l) ? l : std::numeric_limits<double>::quiet_NaN();
      times.shard_seconds += since(t0);
      const auto t1 = clock::now();
      exchange.add_shard();
      if (profiling) ex.backend().synchronize();
      times.bucket_seconds += since(t1);
      ++times.shards;
    }
    ex.state().set_slot(0);
    exchange.finish(loss);  // the same loss on every rank, so all stop together on divergence
    epoch.add(loss);
    const auto t2 = clock::now();
    opt.step(ex);
    if (profiling) ex.backend().synchronize();  // time the update itself, not just its launch
    times.update_seconds += since(t2);
    ++times.steps;
    times.exchange = exchange.stats();
    ex.count_update();
    after_step(g + 1);
  }
}

}  // namespace

void train_epochs(Exec& ex, TrainStep& step, const TrainConfig& config,
                  const std::function<EpochFeed(int)>& start_epoch, int64_t work, const char* unit,
                  const std::function<void(const EpochReport&)>& on_epoch) {
  ex.set_scatter_mode(config.scatter);
  config.parallel.check();
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  const Checkpointing& ck = config.checkpoint;
  TrainPosition at;
  if (ck.resume) {
    const std::string path = newest_checkpoint(ck.dir);
    if (!path.empty()) at = load_checkpoint(path, ck.run, ex, opt);
  }
  // Profiling: one warm-up global step, whose figures are then dropped, and profile_steps more.
  int64_t steps_done = 0;
  const int64_t step_limit = config.profile_steps > 0 ? config.profile_steps + 1 : -1;
  auto more = [&] { return step_limit < 0 || steps_done < step_limit; };
  StepTimes warm_up;
  if (at.epoch > 1 && at.step == 0 && config.stopped_after && config.stopped_after(at.epoch - 1))
    at.epoch = config.epochs + 1;  // the checkpoint came after the stopping epoch
  for (int epoch = at.epoch; epoch <= config.epochs && more(); ++epoch) {
    const int64_t first = epoch == at.epoch ? at.step : 0;
    Epoch e(ex, epoch, config.epochs, first, epoch == at.epoch ? at.epoch_loss : 0.0);
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    const EpochFeed feed = start_epoch(epoch);
    run_epoch(
        ex, step, opt, config, feed, e, first,
        [&](int64_t done) {
          if (++steps_done == 1 && step_limit > 0) warm_up = e.times();
          if (ck.every > 0 && done % ck.every == 0 && feed.checkpoint_within_epoch && step_limit < 0) {
            e.settle(true);  // every step's loss checked and counted before a checkpoint records them
            save_checkpoint(ck, {epoch, done, e.total()}, ex, opt);
          }
          if (config.on_step) config.on_step(epoch, done);
        },
        more);
    e.settle(true);
    if (step_limit > 0) e.times() -= std::exchange(warm_up, StepTimes{});  // a measurement: no warm-up, no checkpoint
    e.finish(ex, work, unit, on_epoch);
    // The epoch is scored (early stopping records its score) before its checkpoint is written: a
    // run killed in between trains the epoch again and scores it the same, never the reverse (a
    // checkpoint past an epoch whose score was lost).
    const bool stop = step_limit < 0 && config.after_epoch && config.after_epoch(epoch);
    if (step_limit < 0) save_checkpoint(ck, {epoch + 1, 0, 0.0}, ex, opt);
    if (stop) break;
  }
  if (step_limit < 0) opt.use_average(ex.params());  // training ends on the averaged weights
}

}  // namespace sr
