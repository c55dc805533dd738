#include "engine/train/two_tower_trainer.h"

#include <algorithm>
#include <cmath>

#include "engine/data/batchers.h"
#include "engine/data/rng.h"
#include "engine/train/epoch_loop.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

TwoTowerInputs TwoTowerInputs::of(const Net& net) {
  TwoTowerInputs in{net.input("ratings"), net.input("targets"), Var{}};
  for (size_t v = 0; v < net.vars().size(); ++v)
    if (net.vars()[v].is_input && net.vars()[v].name == "logq") in.logq = Var{static_cast<int>(v)};
  return in;
}

namespace {
std::vector<int64_t> item_counts(const HostCsr& by_user) {
  std::vector<int64_t> c(static_cast<size_t>(by_user.cols), 0);
  for (int32_t j : by_user.col_idx) ++c[static_cast<size_t>(j)];
  return c;
}
}  // namespace

TwoTowerBatcher::TwoTowerBatcher(const HostCsr& by_user, const InBatchSampling& s, int64_t batch, uint64_t seed)
    : m_(by_user), s_(s), batch_(batch > 0 ? batch : 256), seed_(seed), sampler_(item_counts(by_user), s.alpha) {
  if (by_user.nnz() == 0) throw error("two-tower training: no interactions");
  if (s.n_sample < 0) throw error("two-tower training: n_sample must be >= 0, got ", s.n_sample);
  const std::vector<int64_t> counts = item_counts(by_user);
  p_example_.resize(counts.size()), p_draw_.resize(counts.size());
  double draw_total = 0.0;
  for (size_t j = 0; j < counts.size(); ++j) {
    p_example_[j] = static_cast<double>(counts[j]) / static_cast<double>(by_user.nnz());
    p_draw_[j] = counts[j] > 0 ? std::pow(static_cast<double>(counts[j]), static_cast<double>(s.alpha)) : 0.0;
    draw_total += p_draw_[j];
  }
  for (double& p : p_draw_) p /= draw_total;           // as PopularitySampler draws
  shuffled_interactions(m_, seed_, 0, user_, entry_);  // batches() before the first epoch
}

void TwoTowerBatcher::start_epoch(int epoch) {
  epoch_ = epoch;
  shuffled_interactions(m_, seed_, epoch, user_, entry_);
}

int64_t TwoTowerBatcher::rows_in(int64_t k) const {
  if (k >= batches()) return 0;
  return std::min<int64_t>(batch_, static_cast<int64_t>(user_.size()) - k * batch_);
}

double TwoTowerBatcher::expected_count(int32_t item, int64_t b) const {
  const auto j = static_cast<size_t>(item);
  return static_cast<double>(b) * p_example_[j] + static_cast<double>(s_.n_sample) * p_draw_[j];
}

bool TwoTowerBatcher::fill(int64_t k, HostBatch& out) const {
  const int64_t b = rows_in(k);
  if (b == 0) return false;
  HostCsr history;
  history.rows = b, history.cols = m_.cols;
  std::vector<int32_t> items;
  for (int64_t r = k * batch_; r < k * batch_ + b; ++r) {
    const int32_t u = user_[static_cast<size_t>(r)];
    const int32_t item = m_.col_idx[static_cast<size_t>(entry_[static_cast<size_t>(r)])];
    for (int64_t e = m_.row_ptr[u]; e < m_.row_ptr[u + 1]; ++e)  // every entry of the item: clicks repeat
      if (m_.col_idx[static_cast<size_t>(e)] != item)
        history.col_idx.push_back(m_.col_idx[static_cast<size_t>(e)]), history.val.push_back(1.0f);
    history.row_ptr.push_back(static_cast<int32_t>(history.col_idx.size()));
    items.push_back(item);
  }
  std::vector<int32_t> samples;
  if (s_.n_sample > 0)
    sampler_.draw(splitmix64(seed_ ^ splitmix64(static_cast<uint64_t>(epoch_) << 32 | static_cast<uint64_t>(k))),
                  s_.n_sample, samples);
  encode_sparse_batch(history, out, 0);
  encode_sparse_batch(sampled_next(items, samples, m_.cols), out, 1, false);
  if (s_.logq) {
    HostCsr q;  // one row: the candidates in the same order
    q.rows = 1, q.cols = m_.cols;
    q.col_idx = items;
    q.col_idx.insert(q.col_idx.end(), samples.begin(), samples.end());
    for (int32_t j : q.col_idx) q.val.push_back(static_cast<float>(-std::log(expected_count(j, b))));
    q.row_ptr = {0, static_cast<int32_t>(q.col_idx.size())};
    encode_sparse_batch(q, out, 2, false);
  }
  return true;
}

void train_two_tower(Exec& ex, const TwoTowerInputs& in, const HostCsr& by_user, const InBatchSampling& s,
                     const TrainConfig& config, TrainStep& step,
                     const std::function<void(const EpochReport&)>& on_epoch) {
  if (s.logq && !in.logq.valid()) throw error("two-tower training: the logQ correction needs the net's input 'logq'");
  TwoTowerBatcher batcher(by_user, s, config.batch_rows, config.seed);
  std::vector<Var> vars = {in.history, in.candidates};
  if (s.logq) vars.push_back(in.logq);
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); }, vars, by_user.nnz(),
      "ratings", on_epoch);
}

}  // namespace sr
