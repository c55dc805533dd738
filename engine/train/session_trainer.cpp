#include "engine/train/session_trainer.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "engine/data/batchers.h"
#include "engine/train/epoch_loop.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

SessionInputs SessionInputs::of(const Net& net) { return {net.input("item"), net.input("next")}; }

PopularitySampler::PopularitySampler(const std::vector<int64_t>& counts, float alpha) {
  cumulative_.reserve(counts.size());
  double total = 0.0;
  for (int64_t c : counts) cumulative_.push_back(total += c > 0 ? std::pow(static_cast<double>(c), alpha) : 0.0);
  if (!(total > 0.0)) throw error("sampling negatives by popularity: no item was ever clicked");
  // A guide table (Chen & Asau): bucket b of [0, total) starts its search at the first item whose
  // cumulative weight passes the bucket's lower end, so a draw scans a step or two instead of a
  // binary search over every item; the item drawn is the same.
  const size_t buckets = counts.size();
  guide_.resize(buckets);
  size_t i = 0;
  for (size_t b = 0; b < buckets; ++b) {
    const double lower = total * static_cast<double>(b) / static_cast<double>(buckets);
    while (i + 1 < cumulative_.size() && cumulative_[i] <= lower) ++i;
    guide_[b] = static_cast<int32_t>(i);
  }
}

void PopularitySampler::draw(uint64_t seed, int n, std::vector<int32_t>& out) const {
  out.resize(static_cast<size_t>(n));
  const double total = cumulative_.back();
  const size_t last = cumulative_.size() - 1, buckets = guide_.size();
  for (int j = 0; j < n; ++j) {
    const double u = uniform01(seed, static_cast<uint64_t>(j)) * total;
    // The first item whose cumulative weight exceeds u (upper_bound), the last one at most.
    size_t i = guide_[std::min(buckets - 1, static_cast<size_t>(u / total * static_cast<double>(buckets)))];
    while (i < last && cumulative_[i] <= u) ++i;
    out[j] = static_cast<int32_t>(i);
  }
}

HostCsr sampled_next(const std::vector<int32_t>& targets, const std::vector<int32_t>& samples, int64_t n_items) {
  const size_t b = targets.size(), width = b + samples.size();
  if (b * width > static_cast<size_t>(INT32_MAX))  // CSR offsets are int32
    throw error("a sampled output of ", b, " lanes x ", width,
                " candidates has more than 2^31 entries: lower the batch or n_sample");
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

void encode_session_batch(const HostBatch& lanes, int64_t n_items, const std::vector<int32_t>* samples,
                          HostBatch& out) {
  const std::vector<int32_t>& reset = lanes.ints[2];
  encode_sparse_batch(one_hot_rows(lanes.ints[0], n_items), out, 0);
  if (samples)  // the sampled output's pattern: a block, scored and learned through its shared row
    encode_sparse_batch(sampled_next(lanes.ints[1], *samples, n_items), out, 1, false);
  else
    encode_sparse_batch(one_hot_rows(lanes.ints[1], n_items), out, 1);
  // The lanes that start a session, uploaded with the batch (the step zeroes their state on the
  // device) and kept on the host in the shape.
  out.shape.resize(2 * kSparseBatchShape);
  out.ints.resize(2 * kSparseBatchInts + 1);
  std::vector<int32_t>& lanes_reset = out.ints.back();
  lanes_reset.clear();
  for (size_t l = 0; l < reset.size(); ++l)
    if (reset[l]) lanes_reset.push_back(static_cast<int32_t>(l)), out.shape.push_back(static_cast<int64_t>(l));
}

std::vector<int32_t> session_resets(const std::vector<int64_t>& shape) {
  std::vector<int32_t> r;
  for (size_t i = 2 * kSparseBatchShape; i < shape.size(); ++i) r.push_back(static_cast<int32_t>(shape[i]));
  return r;
}

namespace {
// The resets of an encoded session batch on the device: its host list and the uploaded field.
LaneResets lane_resets(const DeviceBatch& b, std::vector<int32_t>& host) {
  host = session_resets(b.shape);
  const size_t field = 2 * kSparseBatchInts;
  SR_CHECK(b.ints.size() > field && b.int_sizes[field] == static_cast<int64_t>(host.size()),
           "a session batch without its reset lanes");
  return {host.data(), b.ints[field], static_cast<int64_t>(host.size())};
}
}  // namespace

void train_sessions(Exec& ex, const Sessions& train, const SessionSampling& sampling, const TrainConfig& config,
                    TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (train.size() == 0) throw error("training data has no session with two or more clicks");
  const SessionInputs in = SessionInputs::of(ex.net());
  const bool sampled = ex.net().loss().kind == LossKind::rank;
  if (sampled && sampling.n_sample < 0) throw error("n_sample must be >= 0, got ", sampling.n_sample);
  // Data-parallel, the global batch's lanes are split among the shards, each shard keeping its
  // lanes' state (Exec state slots); the negatives drawn for a global step are shared by all.
  const int64_t shards = config.parallel.shards, lanes = config.batch_rows > 0 ? config.batch_rows : 32;
  SessionBatcher batcher(train, static_cast<int>(lanes * shards));
  const int64_t global_steps = batcher.batches();
  const PopularitySampler sampler(item_counts(train), sampling.alpha);
  HostBatch global, shard;
  int64_t made = -1;  // the global step in `global`
  int epoch_now = 0;
  std::vector<int32_t> samples;
  SparseBatch item, next;
  std::vector<int32_t> resets;
  auto fill = [&](int64_t k, HostBatch& h) {  // batch k: shard k % shards of global step k / shards
    const int64_t g = k / shards, s = k % shards;
    if (g != made) {
      if (!batcher.fill(g, global)) return false;
      made = g;
      if (sampled)
        sampler.draw(
            splitmix64(config.seed ^ splitmix64(static_cast<uint64_t>(epoch_now) << 32 | static_cast<uint64_t>(g))),
            sampling.n_sample, samples);
    }
    shard.ints.resize(global.ints.size());
    for (size_t f = 0; f < global.ints.size(); ++f)
      shard.ints[f].assign(global.ints[f].begin() + s * lanes, global.ints[f].begin() + (s + 1) * lanes);
    shard.shape = {lanes};
    encode_session_batch(shard, train.n_items, sampled ? &samples : nullptr, h);
    return true;
  };
  auto bind = [&](const DeviceBatch& b) {
    item = SparseBatch::view_of(b, 0), next = SparseBatch::view_of(b, 1);
    ex.reset_state(lane_resets(b, resets));
    ex.bind(in.item, &item), ex.bind(in.next, &next);
  };
  train_epochs(
      ex, step, config,
      [&](int epoch) {
        batcher.start_epoch();
        ex.state().clear();
        made = -1, epoch_now = epoch;
        return EpochFeed{global_steps * shards, fill, bind, [&](int64_t) { return lanes; }, nullptr, false};
      },
      global_steps * lanes * shards, "events", on_epoch);
}

void train_prefixes(Exec& ex, const Sessions& train, int64_t steps, bool in_time_order, const TrainConfig& config,
                    TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (train.size() == 0) throw error("training data has no session with two or more clicks");
  const Var clicks = ex.net().input("clicks"), mask = ex.net().input("mask"), next = ex.net().input("next");
  PrefixBatcher batcher(train, steps, config.batch_rows > 0 ? config.batch_rows : 512, config.seed, in_time_order);
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); }, {clicks, mask, next},
      batcher.examples(), "events", on_epoch);
}

}  // namespace sr
