// Skip-gram with negative sampling (word2vec, Mikolov et al. 2013; Prod2vec, Grbovic et al. 2015;
// item2vec, Barkan & Koenigstein 2016): items are words and sessions sentences. Every click is a
// centre; the clicks within a window around it are its contexts; each (centre, context) pair is
// an example scored against `negatives` items drawn ∝ count^alpha. As word2vec does it:
//   - subsampling: each click of item i is kept in an epoch with probability
//     min(1, (sqrt(f_i / s) + 1) · s / f_i), f_i the item's share of the clicks and s `subsample`
//     (0: keep all), before windows are taken, so that frequent items thin out and the windows
//     reach further;
//   - a dynamic window: each kept centre draws its reach b uniformly in 1..window (nearer
//     contexts weigh more over an epoch);
//   - a negative equal to the pair's context is skipped.
// A skip-gram net has two sparse inputs:
//   "center"   each pair's centre, one-hot (the gather into the input vectors)
//   "context"  each pair's context with value 1 then its negatives with value 0: the pattern the
//              output vectors are scored at (the sampled dot primitive) under the logistic loss
// The pairs of an epoch are drawn at its start (seeded by epoch) and shuffled; batch k's negatives
// are seeded by (epoch, k), so a batch depends on the epoch and k alone (data-parallel ranks make
// only theirs).
#pragma once

#include <functional>
#include <vector>

#include "engine/data/sessions.h"
#include "engine/train/session_trainer.h"
#include "engine/train/trainer.h"
#include "kernels/batch_fields.h"

namespace sr {

struct SkipGram {
  int window = 5;
  int negatives = 5;
  float subsample = 1e-3f;
  float alpha = 0.75f;  // negatives drawn ∝ count^alpha
};

class SkipGramBatcher {
 public:
  SkipGramBatcher(const Sessions& s, const SkipGram& sg, int64_t batch, uint64_t seed);
  // Draws the epoch's pairs (subsampling and windows) and shuffles them.
  void start_epoch(int epoch);
  int64_t examples() const { return static_cast<int64_t>(center_.size()); }
  int64_t batches() const { return (examples() + batch_ - 1) / batch_; }
  int64_t rows_in(int64_t k) const { return k < batches() ? std::min(batch_, examples() - k * batch_) : 0; }
  // Sparse batches 0 "center" and 1 "context" (as above).
  bool fill(int64_t k, HostBatch& out) const;
  // The chance that a click of each item is kept (1 without subsampling).
  const std::vector<double>& keep() const { return keep_; }
  // The pairs of the epoch, in their order (for tests).
  const std::vector<int32_t>& centers() const { return center_; }
  const std::vector<int32_t>& contexts() const { return context_; }

 private:
  const Sessions& s_;
  SkipGram sg_;
  int64_t batch_;
  uint64_t seed_;
  int epoch_ = 0;
  PopularitySampler negatives_;
  std::vector<double> keep_;
  std::vector<int32_t> center_, context_;  // the epoch's pairs (8 bytes each)
};

// Trains a skip-gram net (inputs "center", "context") on the sessions of `train`, config.batch_rows
// pairs a batch; the report's rate is in pairs per second.
void train_skip_gram(Exec& ex, const Sessions& train, const SkipGram& sg, const TrainConfig& config, TrainStep& step,
                     const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace sr
