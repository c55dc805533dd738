// Linked when the build leaves out the kernel emulator (SPARSEREC_WITH_EMU=OFF).
#include "kernels/backend.h"
#include "kernels/error.h"

namespace sr {
std::unique_ptr<Backend> make_emu_backend() {
  throw error("this build has no kernel emulator (SPARSEREC_WITH_EMU=OFF)");
}
}  // namespace sr
