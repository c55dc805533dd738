// The communicator over MPI (Open MPI), on host memory. MPI is initialised by the first
// communicator opened and finalised when it is destroyed; errors return codes (MPI_ERRORS_RETURN)
// and each is turned into an error naming the call.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/dist/communicator.h"
#include "kernels/error.h"

namespace sr {

namespace {

// MPI counts are ints: large buffers go in chunks of this many elements.
constexpr int64_t kChunk = int64_t{1} << 28;

void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw error("MPI: ", call, " failed: ", std::string(text, static_cast<size_t>(len)));
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int initialized = 0;
    check(MPI_Initialized(&initialized), "MPI_Initialized");
    if (!initialized) check(MPI_Init(nullptr, nullptr), "MPI_Init");
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    MPI_Comm node;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
          "MPI_Comm_split_type");
    check(MPI_Comm_rank(node, &local_rank_), "MPI_Comm_rank (node)");
    MPI_Comm_free(&node);
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    check(MPI_Get_processor_name(name, &len), "MPI_Get_processor_name");
    host_.assign(name, static_cast<size_t>(len));
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  std::string describe() const override {
    return "mpi rank " + std::to_string(rank_) + " of " + std::to_string(size_) + " (" + host_ + ")";
  }

  void all_reduce_sum(float* data, int64_t count) override { reduce_in_rank_order(data, count, MPI_FLOAT); }
  void all_reduce_sum(double* data, int64_t count) override { reduce_in_rank_order(data, count, MPI_DOUBLE); }

  void all_gather(const float* in, int64_t count, float* out) override { gather(in, count, out, MPI_FLOAT); }
  void all_gather_host(const int32_t* in, int64_t count, int32_t* out) override { gather(in, count, out, MPI_INT32_T); }

  void broadcast(void* data, int64_t bytes, int root) override {
    auto* p = static_cast<char*>(data);
    for (int64_t at = 0; at < bytes; at += kChunk)
      check(MPI_Bcast(p + at, static_cast<int>(std::min(kChunk, bytes - at)), MPI_BYTE, root, MPI_COMM_WORLD),
            "MPI_Bcast");
  }

  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  [[noreturn]] void abort(const std::string& why) override {
    std::fprintf(stderr, "sparserec: error: rank %d of %d: %s\n", rank_, size_, why.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::exit(1);  // MPI_Abort does not return; this keeps [[noreturn]] honest if it ever does
  }

 private:
  template <typename T>
  void gather(const T* in, int64_t count, T* out, MPI_Datatype type) {
    if (count <= kChunk) {
      check(MPI_Allgather(in, static_cast<int>(count), type, out, static_cast<int>(count), type, MPI_COMM_WORLD),
            "MPI_Allgather");
      return;
    }
    std::vector<T> part;
    for (int64_t at = 0; at < count; at += kChunk) {  // rank r's chunk lands at r * count + at
      const int n = static_cast<int>(std::min(kChunk, count - at));
      part.resize(static_cast<size_t>(n) * static_cast<size_t>(size_));
      check(MPI_Allgather(in + at, n, type, part.data(), n, type, MPI_COMM_WORLD), "MPI_Allgather");
      for (int r = 0; r < size_; ++r) std::copy_n(part.data() + static_cast<size_t>(r) * n, n, out + r * count + at);
    }
  }

  // Adds up every rank's values in rank order, ((x_0 + x_1) + x_2) + ..., whatever the message
  // sizes: MPI_Allreduce may associate the sum differently by size and rank count, and
  // bit-identical training needs one order. A reduce-scatter by all-to-all (rank r receives
  // everyone's r-th block and sums it in rank order) and an all-gather of the summed blocks: each
  // rank sends and receives 2 (N-1)/N of the buffer, as a ring all-reduce does.
  template <typename T>
  void reduce_in_rank_order(T* data, int64_t count, MPI_Datatype type) {
    if (size_ == 1 || count == 0) return;
    const auto ranks = static_cast<size_t>(size_);
    std::vector<T> send, recv, mine;
    for (int64_t at = 0; at < count; at += kChunk * size_) {  // rounds whose blocks fit MPI's int counts
      const int64_t n = std::min(kChunk * size_, count - at), block = (n + size_ - 1) / size_;
      const auto b = static_cast<size_t>(block);
      send.assign(b * ranks, T{});
      std::copy_n(data + at, n, send.data());
      recv.resize(b * ranks);
      check(MPI_Alltoall(send.data(), static_cast<int>(block), type, recv.data(), static_cast<int>(block), type,
                         MPI_COMM_WORLD),
            "MPI_Alltoall (sum)");
      mine.assign(recv.begin(), recv.begin() + static_cast<std::ptrdiff_t>(b));
      for (size_t r = 1; r < ranks; ++r)
        for (size_t i = 0; i < b; ++i) mine[i] += recv[r * b + i];
      check(MPI_Allgather(mine.data(), static_cast<int>(block), type, send.data(), static_cast<int>(block), type,
                          MPI_COMM_WORLD),
            "MPI_Allgather (sum)");
      std::copy_n(send.data(), n, data + at);
    }
  }

  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::string host_;
};

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || slurm_step_tasks() > 1;
}

}  // namespace

bool have_mpi() { return true; }

std::unique_ptr<Communicator> open_communicator() {
  if (!launched_by_mpirun()) return make_local_communicator();
  auto comm = std::make_unique<MpiCommunicator>();
  // srun without a process-management interface MPI can use starts N copies that each see one
  // rank: each would train the whole model alone, silently.
  if (const int tasks = slurm_step_tasks(); tasks > 1 && comm->size() != tasks)
    throw error("srun started ", tasks, " tasks, but MPI sees ", comm->size(),
                " rank(s): launch with `srun --mpi=pmix` (Open MPI reads ranks through PMIx) or with mpirun");
  return comm;
}

}  // namespace sr
