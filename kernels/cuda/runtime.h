// The one place that decides whether kernels/cuda/ is compiled for a real GPU (nvcc, CUDA runtime)
// or for the kernel emulator (host compiler, kernels/emu/). Kernel bodies are the same text either
// way; only the names below differ. Each build lives in its own namespace, SR_KERNEL_NS, so the
// GPU build and the emulator build link into one program side by side.
#pragma once

#if defined(SPARSEREC_EMU)
#include "kernels/emu/emu.h"
#define SR_KERNEL_NS cuda_emu
namespace sr::cuda_emu {
using namespace ::emu;  // the CUDA language and runtime names, answered by the emulator
}
// Dynamic shared memory of the running block (a fresh, poisoned allocation per block on the emulator).
#define SR_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(::emu::dynamic_shared())
#else
#include <cuda_runtime.h>
#define SR_KERNEL_NS cuda
#define SR_DYNAMIC_SHARED(T, name)                          \
  extern __shared__ __align__(16) unsigned char sr_smem_[]; \
  T* name = reinterpret_cast<T*>(sr_smem_)
#endif

#include <atomic>
#include <cstdint>

#include "kernels/error.h"

// Every CUDA runtime call is checked: the message names the call, the file and the line.
#define SR_CUDA_CHECK(call)                                                                       \
  do {                                                                                            \
    const cudaError_t sr_err_ = (call);                                                           \
    if (sr_err_ != cudaSuccess)                                                                   \
      throw ::sr::error(__FILE__, ":", __LINE__, ": ", #call, ": ", cudaGetErrorString(sr_err_)); \
  } while (0)

// Declares, beside a kernel, the most registers it may use per thread on sm_90. The static check
// (tests/check_kernel_resources.py) reads these from the source and fails a kernel that exceeds its
// budget, spills to local memory, or has no budget.
#define SR_REGISTER_BUDGET(kernel, registers) static_assert((registers) > 0 && (registers) <= 255, #kernel)

struct cublasContext;  // cuBLAS's handle type (cublasHandle_t), declared here for both builds

namespace sr::SR_KERNEL_NS {
constexpr unsigned kFullMask = 0xffffffffu;

// What an op runs with: the backend's compute stream, and what some ops need of the backend —
// cuBLAS's handle (GEMM; the emulator answers GEMM with the CPU BLAS instead), a device scratch of
// loss_scratch_floats() floats (the loss's partial sums) and the counter of kernel launches.
struct OpContext {
  cudaStream_t stream = nullptr;
  cublasContext* cublas = nullptr;
  float* loss_scratch = nullptr;
  std::atomic<int64_t>* launches = nullptr;  // null: not counted
};
}  // namespace sr::SR_KERNEL_NS
