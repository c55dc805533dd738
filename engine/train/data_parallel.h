// Data-parallel training (DESIGN.md §4). Every global batch is `shards` local batches: shard s of
// global step g is local batch g·shards + s of the epoch (the batchers build batch k from the
// epoch's seed and k alone). A job of N ranks has shards = N and rank r trains shard r; a single
// process given shards = N trains all N in turn. Either way each shard's gradient is computed on
// its own and the shards' gradients are added in shard order, so N ranks and one process with N
// shards take the same optimizer steps, bit for bit in deterministic mode.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/dist/communicator.h"
#include "engine/net/layer.h"
#include "engine/tensor.h"

namespace sr {

struct DataParallel {
  Communicator* comm = nullptr;  // null: one process
  int shards = 1;                // local batches per global batch

  int ranks() const { return comm ? comm->size() : 1; }
  int rank() const { return comm ? comm->rank() : 0; }
  bool active() const { return shards > 1 || ranks() > 1; }
  // The shards this process trains: [first_shard(), first_shard() + own_shards()).
  int first_shard() const { return ranks() > 1 ? rank() : 0; }
  int own_shards() const { return ranks() > 1 ? 1 : shards; }
  // Refuses a shard count that does not fit the job (several ranks: one shard each).
  void check() const;
};

// Adds up the shards' gradients of one global step: each shard's gradients go into one bucket for
// all parameters — a host buffer, or with a device communicator (NCCL) a device buffer — added into
// this process's sum in shard order, summed over ranks, and put back as the gradients the
// optimizer consumes. Row-sparse parameters are then updated in every row (the shards touched
// different rows).
class GradientExchange {
 public:
  GradientExchange(const std::vector<Param*>& params, Communicator* comm);
  void begin_step();
  // Takes the gradients of the shard just computed (leaving them zero on the device).
  void add_shard();
  // A shard past the end of the epoch: contributes zeros, the same additions a peer makes.
  void add_empty_shard();
  // Sums over ranks, adds `loss` over ranks likewise, and writes the sum into the gradients.
  void finish(double& loss);

  int64_t bytes_per_step() const;  // sent per rank per step
  double wait_seconds() const { return wait_seconds_; }  // in the collective, since construction

 private:
  std::vector<Param*> params_;
  Communicator* comm_;
  bool on_device_;
  std::vector<float> shard_, sum_;  // host buckets
  Tensor bucket_;                   // the device bucket
  bool first_ = true;
  double wait_seconds_ = 0.0;
};

}  // namespace sr
