// GEMM on the CPU through the BLAS (OpenBLAS from Debian). Shared by the CPU backend and by the
// emulator backend, which answers CUDA library calls with the CPU.
#pragma once

#include "kernels/dense.h"

namespace sr {
void cpu_blas_gemm(const GemmArgs& a);
}
