// Training checkpoints (DESIGN.md §6): everything a run needs to go on exactly as if it had never
// stopped — the weights, the optimizer's state and step count, the executor's update and draw
// counters, and the position in the data (epoch, global step within it; the batchers rebuild
// any batch from the seed, the epoch and its index). One tensor file (engine/io/tensor_file.h)
// per checkpoint, written to a temporary name, fsynced and renamed, each tensor checksummed; the
// header also records what run it belongs to, and a checkpoint of another run is refused.
#pragma once

#include <cstdint>
#include <string>

#include "engine/net/exec.h"
#include "engine/train/optimizer.h"

namespace sr {

struct Checkpointing {
  std::string dir;      // empty: no checkpoints
  int64_t every = 0;    // global steps between checkpoints within an epoch (0: at epoch ends only)
  bool resume = false;  // start from the newest checkpoint in dir (from the beginning if none)
  std::string run;      // what the run is (model, options, data, training flags); must match to resume
  bool writer = true;   // this process writes them (rank 0 of a data-parallel job)
  int keep = 2;         // the newest files kept
};

// Where training stands: `step` global steps of epoch `epoch` done (1-based epoch), and their
// summed loss.
struct TrainPosition {
  int epoch = 1;
  int64_t step = 0;
  double epoch_loss = 0.0;
};

// Writes dir/checkpoint-e<epoch>-s<step>.srck and removes all but the newest `keep`.
void save_checkpoint(const Checkpointing& c, const TrainPosition& at, Exec& ex, Optimizer& opt);

// The newest checkpoint file in dir (by epoch, then step), or "" when there is none.
std::string newest_checkpoint(const std::string& dir);

// Restores a checkpoint into ex's net and opt; throws, naming the file and what is wrong, when it
// is truncated, altered, of another run or of another model.
TrainPosition load_checkpoint(const std::string& path, const std::string& run, Exec& ex, Optimizer& opt);

}  // namespace sr
