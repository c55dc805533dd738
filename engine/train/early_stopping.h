// Early stopping: after each epoch a score on a validation part the training never sees (higher is
// better; an RMSE enters negated); training stops after `patience` epochs without a better score.
// What a user of RecBole or Keras expects, so that `--epochs` is a ceiling rather than a guess.
// Two ways to end (engine/train/pipeline.h): keep the best epoch's weights (a device copy, put back
// at the end), or — the default — take the best epoch as the number of epochs and train a fresh
// net on all the training data, validation part included, for that many (a refit: the model then
// learns from every interaction, which on ML-100K is worth the validation part's ratings).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/net/param_store.h"

namespace sr {

struct EarlyStopReport {
  std::string metric;            // what was scored ("validation RMSE", "validation NDCG@20")
  int best_epoch = 0;            // the epoch whose weights the model keeps, or the epochs refitted (0: none scored)
  double best = 0.0;             // its score, as the metric reads (an RMSE positive)
  bool lower_is_better = false;  // the metric is an error (RMSE)
  int epochs_run = 0;            // epochs trained before stopping (the refit's not counted)
  std::vector<double> curve;     // the score of each epoch, as the metric reads
  bool refit = false;            // the model was trained again on all the training data for best_epoch epochs
  // Options chosen on the validation part with the best epoch's net (a session net's repeat
  // weight), kept with the choice so that a resumed refit uses them too, and how they were chosen.
  std::map<std::string, std::string> chosen_options;
  std::string chosen_why;
};

// What a stopper's chooser picks at a new best epoch (EarlyStopper::choose_at_best).
struct ChosenOptions {
  std::map<std::string, std::string> options;
  std::string why;  // one line for the log
};

class EarlyStopper {
 public:
  // `score` is called after each epoch with the store's current weights; `lower_is_better` for
  // errors (RMSE). With `keep_weights` the best epoch's weights are copied aside.
  EarlyStopper(ParamStore& store, int patience, std::string metric, bool lower_is_better, std::function<double()> score,
               bool keep_weights = true);
  // Keeps the curve in `path` (JSON, replaced atomically after each epoch when `writer`); with
  // `resume`, the scores of the epochs a checkpoint has already passed are read from it instead of
  // scored again, so that a resumed run stops where the uninterrupted one would. Not with kept
  // weights (a checkpoint does not hold the best epoch's copy).
  void record_to(std::string path, bool writer, bool resume);
  // Options chosen with the net of each new best epoch (right after its score, so that a chooser
  // may reuse what the score computed); the report keeps the best epoch's.
  void choose_at_best(std::function<ChosenOptions()> choose) { choose_ = std::move(choose); }
  // Scores the epoch just trained (and keeps its weights when asked and they are the best so far);
  // true when training should stop (`patience` epochs in a row without improvement).
  bool after_epoch(int epoch);
  // A resumed run's epochs 1..`done`, trained before: their recorded scores taken; true when they
  // had already reached the patience.
  bool replay(int done);
  // Puts the best epoch's weights back into the store (nothing when no epoch was scored).
  void restore_best();
  // Throws when a chooser is set but the best epoch has no choice: a resumed run whose recorded
  // curve holds none for it (a checkpoint directory of an older sparserec), which must not end
  // silently without the options.
  void check_choice() const;
  const EarlyStopReport& report() const { return report_; }

 private:
  bool take(int epoch, double score);  // true when it is the best so far
  ParamStore* store_;
  int patience_;
  bool lower_is_better_, keep_weights_;
  std::function<double()> score_;
  std::function<ChosenOptions()> choose_;
  std::vector<Tensor> best_;  // one per parameter of the net, in Net::params() order
  int since_best_ = 0;
  EarlyStopReport report_;
  std::string path_;
  bool writer_ = false;
  std::map<int, double> recorded_;  // epoch -> score, read back on resume
  int recorded_best_ = 0;           // and the recorded best epoch's choice
  ChosenOptions recorded_choice_;
};

// The epochs chosen (the report of the selection run), kept beside the checkpoints so that a
// resumed run goes straight to its refit: written atomically; nullopt when there is none.
void save_selection(const std::string& path, const EarlyStopReport& r);
std::optional<EarlyStopReport> load_selection(const std::string& path);

}  // namespace sr
