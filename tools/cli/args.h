// Command-line arguments shared by the sparserec subcommands: where data comes from and how it is
// read, the rating split, and the training flags that override a model's defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/split.h"
#include "engine/data/text_import.h"
#include "engine/dist/communicator.h"
#include "engine/train/built_model.h"

namespace sr::cli {

// --data and how to read it: a binary dataset (`sparserec import`) or any text layout.
struct ImportArgs {
  std::vector<std::string> paths;
  std::string layout = "auto", columns, separator, duplicates;
  int threads = 0;
  void add_to(CLI::App& app, bool required, const char* what);
  ImportOptions options() const;
};

// A dataset and the random holdout split of the rating-prediction protocol.
struct DataOptions {
  ImportArgs input;
  double test_fraction = 0.1;
  uint64_t seed = 42;
  void add_to(CLI::App& app, bool required);
};
struct Loaded {
  Dataset data;
  Split split;
};
// Loads and splits; refuses click data (rating prediction needs ratings).
Loaded load_and_split(const DataOptions& d);

// The training flags of `train`, `topn` and `session`; each overrides the model's default when given.
struct TrainFlags {
  std::string device = "auto", optimizer, scatter = "deterministic";
  int epochs = -1;
  int64_t batch = -1;
  float lr = -1.0f, lr_decay = -1.0f, average = -1.0f;
  uint64_t seed = 1;
  int progress_every = 1;
  int shards = 0;             // 0: one per rank of the job
  std::string comm = "auto";  // how data-parallel gradients travel: auto, host, nccl
  std::string checkpoint_dir;
  int64_t checkpoint_every = 0;
  bool resume = false;
  int64_t profile_steps = 0;  // > 0: measure this many global steps instead of training (StepProfile)
  void add_to(CLI::App& app);
  void check() const;  // refuses a bad optimizer or scatter name before any data is read
  // The run's configuration; data-parallel over `comm`'s ranks (or --shards in one process), where
  // --batch is the global batch and batch_rows the rows of each shard. `run` says what is trained
  // (command, model, options, data); with the flags that shape the run it identifies the run in
  // checkpoints, so that --resume never continues another one.
  TrainConfig config(const TrainDefaults& d, Communicator* comm = nullptr, const std::string& run = "") const;
  // The run of a model this one starts from (NeuMF's GMF and MLP): its own defaults, --epochs and
  // the seed, device and exchange of this run, no checkpoints (on --resume it runs again, the same
  // bit for bit).
  TrainConfig pretrain_config(const TrainDefaults& d, Communicator* comm) const;
  void print_epoch(const EpochReport& r) const;  // the progress line on stderr
};

}  // namespace sr::cli
