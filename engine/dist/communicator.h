// How the processes of a data-parallel job talk (DESIGN.md §4): one process per device, launched
// by mpirun. The engine sees only this interface; three implementations:
//   local  one process (every collective is the identity), the default;
//   mpi    Open MPI over host memory, for CPU runs and CI (engine/dist/mpi_communicator.cpp);
//   nccl   NCCL on device memory, one GPU a rank, its unique id broadcast over the host
//          communicator (engine/dist/nccl_communicator.cpp, in builds with CUDA and NCCL).
// Buffers are host memory, except the float buffers of a communicator with device_memory(), which
// are device memory of the backend it was made for. Collectives are blocking (on the device: the
// result is in place when the call returns) and every rank must call them in the same order. The
// host communicators sum in rank order, ((x_0 + x_1) + x_2) + ..., so every rank gets the same
// bits and the result does not depend on how the transport schedules the reduction; NCCL's sums are
// equal on every rank but their order is NCCL's (results match the host's within float rounding).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sr {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The rank's index among the ranks of its node (which GPU it takes).
  virtual int local_rank() const = 0;
  virtual std::string describe() const = 0;  // e.g. "mpi rank 1 of 2 (node-a)"
  // Whether the float buffers of all_reduce_sum and all_gather are device memory.
  virtual bool device_memory() const { return false; }

  // data[i] = Σ over ranks in rank order, on every rank.
  virtual void all_reduce_sum(float* data, int64_t count) = 0;
  virtual void all_reduce_sum(double* data, int64_t count) = 0;
  // out (size() * count) = every rank's `in`, in rank order, on every rank.
  virtual void all_gather(const float* in, int64_t count, float* out) = 0;
  // The same for host integers (row ids, counts), whatever the communicator's float memory.
  virtual void all_gather_host(const int32_t* in, int64_t count, int32_t* out) = 0;
  virtual void broadcast(void* data, int64_t bytes, int root) = 0;
  virtual void barrier() = 0;
  // Stops every rank of the job: prints "rank r of n: why" on stderr and exits non-zero. Used when
  // this rank cannot go on, so that no peer waits forever in a collective.
  [[noreturn]] virtual void abort(const std::string& why) = 0;
};

// One process: rank 0 of 1.
std::unique_ptr<Communicator> make_local_communicator();

// The communicator of this process: MPI when it was launched by mpirun (Open MPI's environment),
// by srun through PMIx, or by srun with several tasks; else local. Throws when launched so in a
// build without MPI, and when srun started more tasks than MPI sees ranks (srun without
// --mpi=pmix: every task would train the whole model alone).
std::unique_ptr<Communicator> open_communicator();

// The tasks of the srun job step this process is one of (SLURM_STEP_NUM_TASKS), 0 outside one
// (sbatch's own script, no Slurm).
int slurm_step_tasks();

// Whether this build has the MPI communicator.
bool have_mpi();

class Backend;
// NCCL over the GPUs of the job: one communicator per rank on `be` (a CUDA backend), bootstrapped
// by `host` (whose rank and size it takes, and which it uses for host-side collectives; it must
// outlive the result, as must `be`). Throws in a build without NCCL, or on a backend that is not
// CUDA.
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host, Backend& be);
bool have_nccl();

}  // namespace sr
