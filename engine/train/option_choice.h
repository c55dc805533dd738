// An option whose value is chosen on the validation part (models/options.h,
// chosen_on_validation): each candidate value is trained with early stopping on the training part
// and scored on the validation part, the best kept; with a refit, the winner then trains on all the
// training data for its chosen epochs, as any early-stopped model does (engine/train/pipeline.h).
// RBM-CF's orientation is one: item rows win on ML-100K, user rows on sparser sets, and no rule of
// the matrix's shape tells which (tools/results/2026-12-02-rbm-prior-mlp-cpu.md).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/train/pipeline.h"

namespace sr {

struct OptionChoice {
  std::string name;                     // the option ("variant")
  std::vector<std::string> candidates;  // its values, the first winning ties
};

struct ChosenFit {
  std::unique_ptr<TrainedModel> trained;
  std::string value;  // the candidate chosen
  std::string why;    // one line: each candidate's best validation score
};

// Needs early stopping (o.early_stop_patience > 0). The candidates' runs keep no checkpoints; with
// o.config.checkpoint.dir the choice is kept in DIR/choice-NAME.json, so that a resumed run goes
// straight to the winner's run (which resumes from its own checkpoints).
ChosenFit fit_choosing(const OptionChoice& choice, const std::function<BuiltModel(const std::string& value)>& build,
                       const TrainingData& data, Backend& be, const FitOptions& o);

}  // namespace sr
