// The CUDA implementation of every op of kernels/ops.h, launched on the context's stream. Defined
// in kernels/cuda/*.cu; compiled for the GPU as sr::cuda and for the emulator as sr::cuda_emu
// (see runtime.h).
#pragma once

#include "kernels/cuda/runtime.h"
#include "kernels/ops.h"

namespace sr::SR_KERNEL_NS {

int64_t loss_scratch_floats();

// One function per op, e.g. void gather(const GatherArgs& a, const OpContext& ctx).
#define SR_CUDA_OP(name, Args) void name(const Args& a, const OpContext& ctx);
SR_FOR_EACH_OP(SR_CUDA_OP)
#undef SR_CUDA_OP

}  // namespace sr::SR_KERNEL_NS
