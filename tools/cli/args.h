// Command-line arguments shared by the sparserec subcommands: where data comes from and how it is
// read, the rating split, and the training flags that override a model's defaults.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/split.h"
#include "engine/data/text_import.h"
#include "engine/dist/communicator.h"
#include "engine/train/built_model.h"

namespace sr::cli {

// Refuses a count flag (lanes, k) below 1.
void check_positive(const char* flag, int64_t value);
// --batch is the global batch of a data-parallel run: the rows of one of `shards` shards' batches.
// Refuses a global batch the shards cannot split evenly (or none, the whole matrix, over shards).
int64_t shard_batch(int64_t global_rows, int shards);
// Makes the directory --out names (and its parents); throws naming it when it cannot.
void make_out_dir(const std::string& dir);

// Checks a seed flag's text: CLI11 would read "-1" into an unsigned seed as 2^64 - 1.
const CLI::Validator& seed_check();

// --data and how to read it: a binary dataset (`sparserec import`) or any text layout.
struct ImportArgs {
  std::vector<std::string> paths;
  std::string layout = "auto", columns, separator, duplicates;
  int threads = 0;
  void add_to(CLI::App& app, bool required, const char* what);
  void check() const;  // refuses an unknown layout, a bad --duplicates or --threads before any data is read
  ImportOptions options() const;
};

// A dataset and the random holdout split of the rating-prediction protocol.
struct DataOptions {
  ImportArgs input;
  double test_fraction = 0.1;
  uint64_t seed = 42;
  void add_to(CLI::App& app, bool required);
  void check() const;
};
struct Loaded {
  Dataset data;
  Split split;
};
// Loads and splits; refuses click data (rating prediction needs ratings).
Loaded load_and_split(const DataOptions& d);

// --train FILE --test FILE of `train` and `topn`: a split given as files (engine/data/file_split.h:
// from `sparserec split`, another framework, pandas), each read with the layout flags of the
// command, instead of --data and the protocol's own split.
struct SplitFiles {
  std::string train, test;
  bool given() const { return !train.empty() || !test.empty(); }
  std::vector<std::string> paths() const { return {train, test}; }  // what identifies the run's data
  void add_to(CLI::App& app);
  // Refuses one file without the other, or with --data (`data_given`), before any data is read.
  void check(bool data_given) const;
};
// Reads both files (as `how` says: layout, columns, ...) and joins them; prints the data line.
Loaded load_split_files(const ImportArgs& how, const SplitFiles& f);

// The training flags of `train`, `topn` and `session`; each optional one overrides the model's
// default when given, and a value given is checked, never taken for "not given".
struct TrainFlags {
  std::string device = "auto", optimizer, scatter = "deterministic";
  std::optional<int> epochs;
  std::optional<int64_t> batch;
  std::optional<float> lr, lr_decay, average;
  uint64_t seed = 1;
  int progress_every = 1;
  std::optional<int> shards;  // default: one per rank of the job
  std::string comm = "auto";  // how data-parallel gradients travel: auto, host, nccl
  std::string checkpoint_dir;
  std::string log;  // --log FILE: a JSON line per epoch (tools/cli/training_log.h)
  int64_t checkpoint_every = 0;
  bool resume = false;
  int64_t profile_steps = 0;  // > 0: measure this many global steps instead of training (StepProfile)
  // Early stopping on a validation part (FitOptions): auto (on for a trained model where the data
  // allows, with the patience early_stop_patience gives), off (or 0), or a patience in epochs.
  std::string early_stop = "auto";
  std::string early_stop_mode = "refit";  // refit (train again on everything) or best (keep the best epoch)
  void add_to(CLI::App& app);
  void check() const;  // refuses every impossible value, each with one line, before any data is read
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
  bool early_stop_auto() const { return early_stop == "auto"; }
  bool early_stop_off() const { return early_stop == "off" || early_stop == "0"; }
  // The patience of a run of `epochs` epochs at most (0: off): the number given, or for auto
  // max(5, epochs / 5) (enough epochs that a noisy score does not stop a run still improving);
  // max(10, epochs / 2) where the validation holds one target per user (leave-one-out top-N): its
  // score moves by ±0.003 NDCG@20 on a plateau (ML-100K), and MLP, stopped by patience 5 at the
  // plateau's first epoch (7 of 20), tested at R@20 0.179 against 0.219 when it ran on to 17.
  int early_stop_patience(int epochs, bool one_target_per_user = false) const;
};

}  // namespace sr::cli
