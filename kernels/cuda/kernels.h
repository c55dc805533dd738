// The CUDA implementation of every op of kernels/ops.h, launched on the context's stream. Defined
// in kernels/cuda/*.cu; compiled for the GPU as sr::cuda and for the emulator as sr::cuda_emu
// (see runtime.h).
#pragma once

#include "kernels/cuda/runtime.h"
#include "kernels/ops.h"

struct cublasContext;  // cuBLAS's handle type (cublasHandle_t), declared here for both builds

namespace sr::SR_KERNEL_NS {

// What an op runs with: the backend's compute stream, and what some ops need of the backend —
// cuBLAS's handle (GEMM; the emulator answers GEMM with the CPU BLAS instead) and a device scratch
// of loss_scratch_floats() floats (the loss's partial sums).
struct OpContext {
  cudaStream_t stream = nullptr;
  cublasContext* cublas = nullptr;
  float* loss_scratch = nullptr;
};
int64_t loss_scratch_floats();

// One function per op, e.g. void gather(const GatherArgs& a, const OpContext& ctx).
#define SR_CUDA_OP(name, Args) void name(const Args& a, const OpContext& ctx);
SR_FOR_EACH_OP(SR_CUDA_OP)
#undef SR_CUDA_OP

}  // namespace sr::SR_KERNEL_NS
