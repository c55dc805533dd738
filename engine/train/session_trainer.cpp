#include "engine/train/session_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/data/batch_stream.h"
#include "engine/data/batchers.h"
#include "engine/error.h"
#include "engine/sparse_batch.h"

namespace sr {

SessionInputs SessionInputs::of(const Net& net) { return {net.input("item"), net.input("next")}; }

PopularitySampler::PopularitySampler(const std::vector<int64_t>& counts, float alpha) {
  cumulative_.reserve(counts.size());
  double total = 0.0;
  for (int64_t c : counts) cumulative_.push_back(total += c > 0 ? std::pow(static_cast<double>(c), alpha) : 0.0);
  if (!(total > 0.0)) throw error("sampling negatives by popularity: no item was ever clicked");
}

void PopularitySampler::draw(uint64_t seed, int n, std::vector<int32_t>& out) const {
  out.resize(static_cast<size_t>(n));
  const double total = cumulative_.back();
  for (int j = 0; j < n; ++j) {
    const double u = uniform01(seed, static_cast<uint64_t>(j)) * total;
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    out[j] = static_cast<int32_t>(std::min<ptrdiff_t>(it - cumulative_.begin(), static_cast<ptrdiff_t>(cumulative_.size()) - 1));
  }
}

HostCsr sampled_next(const std::vector<int32_t>& targets, const std::vector<int32_t>& samples, int64_t n_items) {
  const size_t b = targets.size(), width = b + samples.size();
  HostCsr next;
  next.rows = static_cast<int64_t>(b), next.cols = n_items;
  next.row_ptr.resize(b + 1);
  next.col_idx.reserve(b * width), next.val.assign(b * width, 0.0f);
  for (size_t r = 0; r < b; ++r) {
    next.col_idx.insert(next.col_idx.end(), targets.begin(), targets.end());
    next.col_idx.insert(next.col_idx.end(), samples.begin(), samples.end());
    next.val[r * width + r] = 1.0f;  // the lane's own next click
    next.row_ptr[r + 1] = static_cast<int32_t>((r + 1) * width);
  }
  return next;
}

void encode_session_batch(const HostBatch& lanes, int64_t n_items, const std::vector<int32_t>* samples, HostBatch& out) {
  const std::vector<int32_t>& reset = lanes.ints[2];
  encode_sparse_batch(one_hot_rows(lanes.ints[0], n_items), out, 0);
  encode_sparse_batch(samples ? sampled_next(lanes.ints[1], *samples, n_items) : one_hot_rows(lanes.ints[1], n_items), out, 1);
  out.shape.resize(2 * kSparseBatchShape);
  for (size_t l = 0; l < reset.size(); ++l)
    if (reset[l]) out.shape.push_back(static_cast<int64_t>(l));
}

std::vector<int32_t> session_resets(const std::vector<int64_t>& shape) {
  std::vector<int32_t> r;
  for (size_t i = 2 * kSparseBatchShape; i < shape.size(); ++i) r.push_back(static_cast<int32_t>(shape[i]));
  return r;
}

namespace {
void report_epoch(Exec& ex, int epoch, int epochs, double loss, int64_t events, std::chrono::steady_clock::time_point t0,
                  const std::function<void(const EpochReport&)>& on_epoch) {
  ex.backend().synchronize();
  EpochReport r;
  r.epoch = epoch, r.epochs = epochs, r.loss = loss;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.nnz_per_second = static_cast<double>(events) / std::max(r.seconds, 1e-9);
  r.unit = "events";
  if (on_epoch) on_epoch(r);
}

double checked_step(TrainStep& step, Exec& ex, Optimizer& opt, int epoch, int64_t k) {
  const double loss = step.run(ex, opt);
  if (!std::isfinite(loss))
    throw error("training diverged: the loss is ", loss, " at epoch ", epoch, ", step ", k, " (lower the learning rate)");
  return loss;
}
}  // namespace

void train_sessions(Exec& ex, const Sessions& train, const SessionSampling& sampling, const TrainConfig& config,
                    TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (train.size() == 0) throw error("training data has no session with two or more clicks");
  const SessionInputs in = SessionInputs::of(ex.net());
  const bool sampled = ex.net().loss().kind == LossKind::rank;
  if (sampled && sampling.n_sample < 0) throw error("n_sample must be >= 0, got ", sampling.n_sample);
  ex.set_scatter_mode(config.scatter);
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  const int lanes = static_cast<int>(config.batch_rows > 0 ? config.batch_rows : 32);
  SessionBatcher batcher(train, lanes);
  const PopularitySampler sampler(item_counts(train), sampling.alpha);
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    batcher.start_epoch();
    ex.clear_state();
    int64_t steps = 0;
    double total = 0.0;
    HostBatch raw;
    std::vector<int32_t> samples;
    BatchStream stream(ex.backend(), [&](int64_t k, HostBatch& h) {
      if (!batcher.fill(k, raw)) return false;
      if (sampled) sampler.draw(splitmix64(config.seed ^ splitmix64(static_cast<uint64_t>(epoch) << 32 | static_cast<uint64_t>(k))),
                                sampling.n_sample, samples);
      encode_session_batch(raw, train.n_items, sampled ? &samples : nullptr, h);
      return true;
    });
    while (const DeviceBatch* b = stream.next()) {
      const SparseBatch item = SparseBatch::view_of(*b, 0), next = SparseBatch::view_of(*b, 1);
      ex.reset_state(session_resets(b->shape));
      ex.bind(in.item, &item);
      ex.bind(in.next, &next);
      total += checked_step(step, ex, opt, epoch, steps++);
    }
    report_epoch(ex, epoch, config.epochs, total, steps * lanes, t0, on_epoch);
  }
}

void train_prefixes(Exec& ex, const Sessions& train, int64_t steps, bool in_time_order, const TrainConfig& config,
                    TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (train.size() == 0) throw error("training data has no session with two or more clicks");
  const Var clicks = ex.net().input("clicks"), mask = ex.net().input("mask"), next = ex.net().input("next");
  ex.set_scatter_mode(config.scatter);
  Optimizer opt(config.optimizer, ex.net().regularizer().l2);
  PrefixBatcher batcher(train, steps, config.batch_rows > 0 ? config.batch_rows : 512, config.seed, in_time_order);
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    step.start_epoch(epoch, config.epochs);
    opt.set_lr(config.lr_at(epoch));
    batcher.start_epoch(epoch);
    double total = 0.0;
    int64_t k = 0;
    BatchStream stream(ex.backend(), [&](int64_t i, HostBatch& h) { return batcher.fill(i, h); });
    while (const DeviceBatch* b = stream.next()) {
      const SparseBatch c = SparseBatch::view_of(*b, 0), m = SparseBatch::view_of(*b, 1), n = SparseBatch::view_of(*b, 2);
      ex.bind(clicks, &c);
      ex.bind(mask, &m);
      ex.bind(next, &n);
      total += checked_step(step, ex, opt, epoch, k++);
    }
    report_epoch(ex, epoch, config.epochs, total, batcher.examples(), t0, on_epoch);
  }
}

}  // namespace sr
