#include "engine/dist/communicator.h"

#include <cstdio>
#include <cstdlib>

#include "kernels/error.h"

namespace sr {

namespace {

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string describe() const override { return "local (one process)"; }
  void all_reduce_sum(float*, int64_t) override {}
  void all_reduce_sum(double*, int64_t) override {}
  void all_gather(const float* in, int64_t count, float* out) override { std::copy(in, in + count, out); }
  void all_gather_host(const int32_t* in, int64_t count, int32_t* out) override { std::copy(in, in + count, out); }
  void broadcast(void*, int64_t, int root) override {
    if (root != 0) throw error("broadcast from rank ", root, " in a one-process job");
  }
  void barrier() override {}
  [[noreturn]] void abort(const std::string& why) override {
    std::fprintf(stderr, "sparserec: error: %s\n", why.c_str());
    std::exit(1);
  }
};

}  // namespace

std::unique_ptr<Communicator> make_local_communicator() { return std::make_unique<LocalCommunicator>(); }

int slurm_step_tasks() {
  const char* n = std::getenv("SLURM_STEP_NUM_TASKS");  // srun sets it for its tasks; a batch script has none
  return n ? std::atoi(n) : 0;
}

}  // namespace sr
