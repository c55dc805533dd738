// open_communicator() in a build without MPI: one process, and a clear refusal under mpirun
// (where several copies would otherwise each train the whole model alone).
#include <cstdlib>

#include "engine/dist/communicator.h"
#include "kernels/error.h"

namespace sr {

bool have_mpi() { return false; }

std::unique_ptr<Communicator> open_communicator() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (size && std::atoi(size) > 1)
    throw error("launched by mpirun with ", size,
                " ranks, but this build has no MPI (apt-get install libopenmpi-dev and rebuild)");
  if (const int tasks = slurm_step_tasks(); tasks > 1)
    throw error("srun started ", tasks,
                " tasks, but this build has no MPI (apt-get install libopenmpi-dev and rebuild)");
  return make_local_communicator();
}

}  // namespace sr
