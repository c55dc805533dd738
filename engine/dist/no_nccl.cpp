// make_nccl_communicator() in a build without CUDA or NCCL: a clear refusal.
#include "engine/dist/communicator.h"
#include "kernels/error.h"

namespace sr {

bool have_nccl() { return false; }

std::unique_ptr<Communicator> make_nccl_communicator(Communicator&, Backend&) {
  throw error("this build has no NCCL (it needs the CUDA toolkit with NCCL): use --comm host");
}

}  // namespace sr
