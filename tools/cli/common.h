// Pieces shared by the sparserec subcommands: loading and splitting ratings, placing a model on a
// device, and the one-line JSON result that ends stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/backend.h"
#include "engine/dist/communicator.h"
#include "engine/data/split.h"
#include "engine/data/text_import.h"
#include "engine/model_file.h"
#include "engine/net/exec.h"
#include "engine/train/trainer.h"
#include "models/registry.h"

namespace sr::cli {

// --data and how to read it: a binary dataset (`sparserec import`) or any text layout.
struct ImportArgs {
  std::vector<std::string> paths;
  std::string layout = "auto", columns, separator, duplicates;
  int threads = 0;
  void add_to(CLI::App& app, bool required, const char* what);
  ImportOptions options() const;
};

struct DataOptions {
  ImportArgs input;
  double test_fraction = 0.1;
  uint64_t seed = 42;
  void add_to(CLI::App& app, bool required);
};

// A dataset and its random-holdout split (the rating-prediction protocol).
struct Loaded {
  Dataset data;
  Split split;
};
Loaded load_and_split(const DataOptions& d);

// The training flags shared by `train` and `topn`; each overrides the model's default when given.
struct TrainFlags {
  std::string device = "auto", optimizer, scatter = "deterministic";
  int epochs = -1;
  int64_t batch = -1;
  float lr = -1.0f, lr_decay = -1.0f, average = -1.0f;
  uint64_t seed = 1;
  int progress_every = 1;
  int shards = 0;  // 0: one per rank of the job
  std::string comm = "auto";  // how data-parallel gradients travel: auto, host, nccl
  std::string checkpoint_dir;
  int64_t checkpoint_every = 0;
  bool resume = false;
  int64_t profile_steps = 0;  // > 0: measure this many global steps instead of training (StepProfile)
  void add_to(CLI::App& app);
  void check() const;  // refuses a bad optimizer or scatter name before any data is read
  // The run's configuration; data-parallel over `comm`'s ranks (or --shards in one process), where
  // --batch is the global batch and batch_rows the rows of each shard.
  // `run` says what is trained (command, model, options, data); with the flags that shape the
  // run it identifies the run in checkpoints, so that --resume never continues another one.
  TrainConfig config(const TrainDefaults& d, Communicator* comm = nullptr, const std::string& run = "") const;
  void print_epoch(const EpochReport& r) const;  // the progress line on stderr
};

// --profile-steps: the timed steps' figures summed over the epoch reports, printed as the run's
// JSON result in place of an evaluation (tools/scaling_estimate.py reads it).
class StepProfile {
 public:
  void add(const EpochReport& r);
  // {"command": "profile", ...}: seconds and bytes per global step, per rank.
  nlohmann::json result(const std::string& command, const std::string& model, const nlohmann::json& options,
                        const TrainConfig& cfg, const Net& net, const Backend& be) const;

 private:
  StepTimes sum_;
};

// What every training command sets up for its rank of the job, in this order: the rank's device
// ("cuda", or "auto" finding a GPU, means the GPU of the rank's index on its node), the
// communicator its gradients go through (--comm: NCCL between the GPUs of a multi-rank job, or when
// asked; else the host communicator), and the run's configuration (announcing, with --resume, the
// checkpoint it goes on from). Keep it alive while the model trains and scores.
class RankTraining {
 public:
  // `run`: what is trained, for TrainFlags::config.
  RankTraining(const TrainFlags& flags, const TrainDefaults& defaults, Communicator& comm, const std::string& run);
  Backend& backend() { return *backend_; }
  Communicator& gradients() { return nccl_ ? *nccl_ : *comm_; }  // what the gradients go through
  const TrainConfig& config() const { return config_; }
  // The epochs' callback: sums the profile; rank 0 prints the progress line; `also` sees each report.
  std::function<void(const EpochReport&)> reporter(std::function<void(const EpochReport&)> also = {});
  // With --profile-steps: rank 0 prints the profile as the run's result, and the command ends
  // there (true). Else false.
  bool profiled(const std::string& command, const std::string& model, const nlohmann::json& options, const Net& net);

 private:
  const TrainFlags* flags_;
  Communicator* comm_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Communicator> nccl_;  // destroyed before backend_
  TrainConfig config_;
  StepProfile profile_;
};

// What a training command trains, for TrainFlags::config's `run`.
std::string run_id(const std::string& command, const std::string& model, const std::map<std::string, std::string>& options,
                   const std::vector<std::string>& data);

// Runs a training command as this process's part of its job (DESIGN.md §4): under mpirun every
// process is one rank of a data-parallel run, else the only one. An error on any rank stops every
// rank, each exiting non-zero with the failing rank's cause, so that none waits for the others.
// Rank 0 (leader) prints the results and writes files.
void run_job(const std::function<void(Communicator& comm)>& body);

// The backend for --device, announced on stderr.
std::unique_ptr<Backend> open_device(const Device& device);

// Rebuilds the model a file was trained as, on `be`, with its trained weights.
struct LoadedModel {
  ModelMeta meta;
  std::unique_ptr<BuiltModel> built;  // on the heap: exec refers to built->net
  std::unique_ptr<Exec> exec;
};
LoadedModel load_model(const ModelMeta& meta, const std::string& path, Backend& be);

// --model-file, --data and --device of the commands that use a saved model.
struct SavedModelArgs {
  std::string model_file, device = "auto";
  ImportArgs data;
  void add_to(CLI::App& app);
};

// A saved model on its device, with the data it was trained on, split as it was. Members are
// destroyed in reverse order: the model's device memory goes before its backend.
struct ModelSession {
  std::unique_ptr<Backend> backend;
  LoadedModel model;
  Loaded data;
  std::string data_path;
};
// Checks the model file and device before touching the data; refuses data of another shape.
ModelSession open_saved_model(const SavedModelArgs& a);

void print_result(const nlohmann::json& j);  // one line, last on stdout
double peak_rss_mb();                       // the process's peak resident memory so far

void add_train_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_recommend_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_topn_command(CLI::App& app);
void add_session_command(CLI::App& app);

}  // namespace sr::cli
