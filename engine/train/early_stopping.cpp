#include "engine/train/early_stopping.h"

#include <cmath>

#include "engine/net/net.h"
#include "kernels/error.h"

namespace sr {

EarlyStopper::EarlyStopper(ParamStore& store, int patience, std::string metric, bool lower_is_better,
                           std::function<double()> score)
    : store_(&store), patience_(patience), lower_is_better_(lower_is_better), score_(std::move(score)) {
  if (patience < 1) throw error("early stopping: patience must be >= 1 epoch, got ", patience);
  report_.metric = std::move(metric);
}

bool EarlyStopper::after_epoch(int epoch) {
  const double s = score_();
  report_.curve.push_back(s);
  report_.epochs_run = epoch;
  if (!std::isfinite(s))
    throw error("early stopping: the ", report_.metric, " after epoch ", epoch, " is ", s,
                " (the model diverged; lower --lr)");
  const bool better = report_.best_epoch == 0 || (lower_is_better_ ? s < report_.best : s > report_.best);
  if (better) {
    const auto& params = store_->net().params();
    if (best_.empty())
      for (const Param* p : params) {
        const Tensor& w = store_->weights(*p);
        best_.emplace_back(store_->backend(), w.rows(), w.cols());
      }
    for (size_t i = 0; i < params.size(); ++i) best_[i].copy_from(store_->weights(*params[i]));
    report_.best_epoch = epoch, report_.best = s, since_best_ = 0;
    return false;
  }
  return ++since_best_ >= patience_;
}

void EarlyStopper::restore_best() {
  const auto& params = store_->net().params();
  for (size_t i = 0; i < best_.size(); ++i) store_->weights(*params[i]).copy_from(best_[i]);
}

}  // namespace sr
