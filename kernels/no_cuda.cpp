// Linked when the build has no CUDA toolkit: the CUDA device reports itself absent.
#include "kernels/backend.h"
#include "kernels/error.h"

namespace sr {
bool built_with_cuda() { return false; }
int cuda_device_count() { return 0; }
std::unique_ptr<Backend> make_cuda_backend(int) { throw error("this build has no CUDA support"); }
}  // namespace sr
