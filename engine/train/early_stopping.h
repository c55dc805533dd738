// Early stopping: after each epoch a score on a validation part the training never sees (higher is
// better; an RMSE enters negated); the weights of the best epoch are kept as a device copy, training
// stops after `patience` epochs without a better score, and the best weights are put back. What a
// user of RecBole or Keras expects, so that `--epochs` is a ceiling rather than a guess.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/net/param_store.h"

namespace sr {

struct EarlyStopReport {
  std::string metric;         // what was scored ("validation RMSE", "validation NDCG@20")
  int best_epoch = 0;         // the epoch whose weights the model keeps (0: none scored)
  double best = 0.0;          // its score, as the metric reads (an RMSE positive)
  int epochs_run = 0;         // epochs trained before stopping
  std::vector<double> curve;  // the score of each epoch, as the metric reads
};

class EarlyStopper {
 public:
  // `score` is called after each epoch with the store's current weights; `lower_is_better` for
  // errors (RMSE).
  EarlyStopper(ParamStore& store, int patience, std::string metric, bool lower_is_better,
               std::function<double()> score);
  // Scores the epoch just trained and keeps its weights when they are the best so far; true when
  // training should stop (`patience` epochs in a row without improvement).
  bool after_epoch(int epoch);
  // Puts the best epoch's weights back into the store (nothing when no epoch was scored).
  void restore_best();
  const EarlyStopReport& report() const { return report_; }

 private:
  ParamStore* store_;
  int patience_;
  bool lower_is_better_;
  std::function<double()> score_;
  std::vector<Tensor> best_;  // one per parameter of the net, in Net::params() order
  int since_best_ = 0;
  EarlyStopReport report_;
};

}  // namespace sr
