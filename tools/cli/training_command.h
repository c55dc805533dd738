// What the training commands (`train`, `topn`, `session`) share, in the order they run: the model
// (of the command's task), its options and the training flags checked before any data is read;
// then, given the data, the rank's set-up, fitting through the engine's pipeline
// (engine/train/pipeline.h), the step profile of --profile-steps, the model file, and the fit's
// fields of the JSON result. Baselines take the same path, fitted instead of trained.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/model_file.h"
#include "engine/train/pipeline.h"
#include "models/registry.h"
#include "tools/cli/rank_training.h"
#include "tools/cli/saved_model.h"
#include "tools/cli/training_log.h"

namespace sr::cli {

// --model, its key=value options, the training flags, --options-file (tools/cli/options_file.h) and --save.
struct ModelArgs {
  std::string model, save, options_file;
  std::vector<std::string> options;
  TrainFlags flags;
  void add_to(CLI::App& app, const char* models_help);
};

class TrainingCommand {
 public:
  // Refuses, each with one line and before any data is read: a model of another task, an unknown
  // option or a value out of range, a bad flag, a batch the shards cannot split, --save of a baseline.
  // The options file, when given, is merged in first (options and flags on the command line win).
  // `validate`: the command reports a validation part (tuning); --early-stop N is refused with it.
  // `leave_one_out`: a top-N command's validation holds one target per user (its auto patience is
  // longer, for a noisier score); false for one scored on many examples (ctr).
  TrainingCommand(const ModelArgs& args, Task task, Communicator& comm, bool validate, bool leave_one_out = true);
  const ModelEntry& entry() const { return *entry_; }
  const std::map<std::string, std::string>& options() const { return options_; }
  // Whether the run stops early, so the command carves a validation part: --early-stop N, or auto
  // for a trained model without --validate or --profile-steps.
  bool early_stop() const { return patience_ > 0; }
  // The command's validation part would hold `n` `what` (ratings, targets, sessions): under
  // kMinValidation an auto early stopping turns off, saying so (too few to choose epochs by);
  // a patience asked for stays.
  void check_validation_size(int64_t n, const char* what);
  static constexpr int64_t kMinValidation = 50;

  // Builds the model for data of this shape and fits it. Null when the run was a profile (its
  // result printed) or this process is not the job's leader: the caller stops there.
  TrainedModel* fit(const TrainingData& data, int64_t n_users, int64_t n_items,
                    const std::vector<std::string>& data_paths);
  // Writes the model file when --save was given: the model, its weights, the ids of `data` and the
  // training interactions (session models: the items), and where the data is (`data_args`) and
  // how it was split and tested (a random holdout: `test_fraction`, `split_seed`; the leave-one-out
  // negatives: `negatives_seed`).
  // With `files`, the split was given as files: the model file records both (evaluate joins them again).
  void save(const ImportArgs& data_args, const Dataset& data, double test_fraction = 0.0, uint64_t split_seed = 0,
            uint64_t negatives_seed = 42, const SplitFiles& files = {}) const;
  // command, model, options and how the model was fitted (device, optimizer, epochs, times).
  nlohmann::json result() const;

 private:
  ModelArgs args_;  // as given, with the options file merged in
  Task task_;
  Communicator* comm_;
  const ModelEntry* entry_;
  std::map<std::string, std::string> options_;
  std::map<std::string, std::string> derived_options_;  // what the model took from the data
  std::string chosen_why_;  // an option decided on the validation part (option_choice.h): each value's score
  int patience_ = 0;        // of early stopping; 0: off
  std::unique_ptr<RankTraining> rank_;  // a net's device: outlives the model below
  std::unique_ptr<TrainingLog> log_;    // --log, on the job's leader
  int64_t n_users_ = 0, n_items_ = 0;   // the shape the model was built for
  std::unique_ptr<TrainedModel> trained_;
};

}  // namespace sr::cli
