// Data-parallel training (DESIGN.md §4). Every global batch is `shards` local batches: shard s of
// global step g is local batch g·shards + s of the epoch (the batchers build batch k from the
// epoch's seed and k alone). A job of N ranks has shards = N and rank r trains shard r; a single
// process given shards = N trains all N in turn. Either way each shard's gradient is computed on
// its own and the shards' gradients are added in shard order, so N ranks and one process with N
// shards take the same optimizer steps, bit for bit in deterministic mode.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "engine/dist/communicator.h"
#include "engine/net/exec.h"

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

// What the exchange moved and how long it waited, summed over global steps. Bytes are what one
// rank puts into the collectives (a job of `shards` ranks; a single process training several
// shards counts what each of those ranks would): the all-reduced gradients, and the ids of the
// rows its shard touched (all-gathered).
struct ExchangeStats {
  int64_t steps = 0;
  int64_t reduce_bytes = 0;   // gradient values all-reduced
  int64_t gather_bytes = 0;   // touched-row ids all-gathered (per rank's own list)
  int64_t dense_bytes = 0;    // what all-reducing every gradient whole would have moved
  double wait_seconds = 0.0;  // in the collectives

  // Sums and differences (what a span of steps moved).
  ExchangeStats& operator+=(const ExchangeStats& o) { return add(o, 1); }
  ExchangeStats& operator-=(const ExchangeStats& o) { return add(o, -1); }

 private:
  ExchangeStats& add(const ExchangeStats& o, int sign) {
    steps += sign * o.steps, reduce_bytes += sign * o.reduce_bytes, gather_bytes += sign * o.gather_bytes;
    dense_bytes += sign * o.dense_bytes, wait_seconds += sign * o.wait_seconds;
    return *this;
  }
};

// Adds up the shards' gradients of one global step: each shard's gradients go into one bucket for
// all parameters — a host buffer, or with a device communicator (NCCL) a device buffer — added into
// this process's sum in shard order, summed over ranks, and put back as the gradients the
// optimizer consumes.
//
// Row-sparse parameters (embeddings, sparse-input and sampled-output weights) touch only some rows
// a step. Their touched rows are unioned over all shards of the step (the ids are all-gathered);
// when the union is small enough that its rows (plus their ids) are fewer floats than the whole
// table, only those rows are all-reduced. Either way the optimizer then updates the union's rows
// (a lazy update, as in single-shard training). The choice depends on the union alone, which every
// rank — and one process training all shards — computes alike, so the steps stay bit-identical.
class GradientExchange {
 public:
  // The gradients of ex's parameters.
  GradientExchange(Exec& ex, Communicator* comm);
  void begin_step();
  // Takes the gradients of the shard just computed (leaving them zero on the device).
  void add_shard();
  // A shard past the end of the epoch: contributes zeros, the same additions a peer makes.
  void add_empty_shard();
  // Sums over ranks, adds `loss` over ranks likewise, and writes the sum into the gradients.
  void finish(double& loss);

  const ExchangeStats& stats() const { return stats_; }

 private:
  // How one parameter goes into the step's exchange buffer.
  struct Slot {
    int64_t offset = 0;            // of the parameter in the full bucket
    bool sparse_ok = false;        // row-sparse: may go as touched rows
    bool any_dense = false;        // some shard of this process touched every row
    std::vector<int32_t> own;      // rows this process's shards touched (unsorted, repeats)
    int64_t own_listed = 0;        // ids listed by this process's shards, summed
    std::vector<int32_t> rows;     // the step's union over all shards, sorted (when known)
    bool union_known = false;      // no shard touched every row
    bool packed = false;           // exchanged as `rows` only
    DeviceArray<int32_t> row_ids;  // `rows` on the device, for the optimizer (and packing)
  };
  void unite_rows();  // fills each slot's union (a collective across ranks)
  void exchange_host(double& loss);
  void exchange_device(double& loss);
  void take_union(Exec::Gradient& g, const Slot& s);  // hands the union to the optimizer as the touched rows
  template <typename F>
  void timed(F&& collective) {  // runs it, counting the time as waiting
    const auto t0 = std::chrono::steady_clock::now();
    collective();
    stats_.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  Exec& ex_;
  std::vector<const Param*> params_;
  std::vector<Slot> slots_;
  Communicator* comm_;
  bool on_device_;
  std::vector<float> shard_, sum_, packed_host_;  // host buckets
  Tensor bucket_, packed_;                        // device buckets
  DeviceArray<int32_t> pack_ptr_, pack_iota_;     // 0..n on the device (CSR of a row selection)
  bool first_ = true;
  int64_t shards_in_step_ = 0;
  ExchangeStats stats_;
};

}  // namespace sr
