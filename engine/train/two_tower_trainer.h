// Two-tower retrieval training (TFRS; Yi et al., RecSys 2019, "Sampling-bias-corrected neural
// modeling"): every (user, item) interaction of the training data is an example, in a shuffled
// order, `batch` at a time. A two-tower net has three sparse inputs:
//   "ratings"  each example's user history without its item (every click of it, where clicks
//              repeat): the user tower's bag of items
//   "targets"  the candidates — every example's item, in example order (in-batch negatives), then
//              n_sample items shared by the batch, drawn ∝ popularity^alpha (mixed negative
//              sampling, Yang et al. 2020) — with value 1 at the example's own item: a block
//              pattern, scored by one GEMM against the item table
//   "logq"     one row, a value per candidate: −log q_j, q_j the expected number of times item j
//              is among the candidates (B·count_j/N from the batch, n_sample·p_j from the draws),
//              added to the logits before the softmax so that popular items are not pushed down
//              for being negatives more often (the logQ correction). Absent when switched off.
// Inference scores the user tower's vector against every item (the sparse output's table).
#pragma once

#include <functional>
#include <vector>

#include "engine/train/session_trainer.h"
#include "engine/train/trainer.h"
#include "kernels/batch_fields.h"
#include "kernels/csr.h"

namespace sr {

struct InBatchSampling {
  int n_sample = 1024;
  float alpha = 0.0f;  // the draws: 0 uniform over the items with interactions, 1 by popularity
  bool logq = true;
};

struct TwoTowerInputs {
  Var history, candidates, logq;  // logq invalid when the net has none
  static TwoTowerInputs of(const Net& net);
};

class TwoTowerBatcher {
 public:
  // `by_user`: the training interactions, users x items, columns sorted within each row.
  TwoTowerBatcher(const HostCsr& by_user, const InBatchSampling& s, int64_t batch, uint64_t seed);
  void start_epoch(int epoch);
  int64_t batches() const { return (static_cast<int64_t>(user_.size()) + batch_ - 1) / batch_; }
  int64_t rows_in(int64_t k) const;
  // Sparse batches 0 "ratings", 1 "targets", 2 "logq" (when the sampling has it).
  bool fill(int64_t k, HostBatch& out) const;
  // q_j for a batch of `b` examples (the logQ correction is −log of it).
  double expected_count(int32_t item, int64_t b) const;

 private:
  const HostCsr& m_;
  InBatchSampling s_;
  int64_t batch_;
  uint64_t seed_;
  int epoch_ = 0;
  PopularitySampler sampler_;
  std::vector<double> p_example_, p_draw_;  // per item: share of the examples, of the draws
  std::vector<int32_t> user_;               // the examples (user, entry of by_user), shuffled per epoch
  std::vector<int64_t> entry_;
};

// Trains a two-tower net (inputs as above) on every interaction of `by_user`. Data-parallel, each
// shard's batch is a whole one (its examples' items and its own draws are its candidates).
void train_two_tower(Exec& ex, const TwoTowerInputs& in, const HostCsr& by_user, const InBatchSampling& s,
                     const TrainConfig& config, TrainStep& step,
                     const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace sr
