// The CUDA implementation of every op (argument structs in kernels/*.h), launched on a stream.
// Defined in kernels/cuda/*.cu; compiled for the GPU as sr::cuda and for the emulator as
// sr::cuda_emu (see runtime.h).
#pragma once

#include "kernels/cuda/runtime.h"
#include "kernels/dense.h"
#include "kernels/loss.h"
#include "kernels/optim.h"
#include "kernels/recurrent.h"
#include "kernels/sparse.h"
#include "kernels/topk.h"

namespace sr::SR_KERNEL_NS {

void gather(const GatherArgs& a, cudaStream_t s);
void scatter(const ScatterArgs& a, ScatterMode mode, cudaStream_t s);
void sampled_dot(const SampledDotArgs& a, cudaStream_t s);
void bias_act(const BiasActArgs& a, cudaStream_t s);
void act_backward(const ActBackwardArgs& a, cudaStream_t s);
void col_sum(const ColSumArgs& a, cudaStream_t s);
void axpby(const AxpbyArgs& a, cudaStream_t s);
void dropout(const DropoutArgs& a, cudaStream_t s);
void elementwise(const ElementwiseArgs& a, cudaStream_t s);
// `scratch` holds at least loss_scratch_floats(n) floats of device memory.
int64_t loss_scratch_floats(int64_t n);
void loss(const LossArgs& a, float* scratch, cudaStream_t s);
void softmax_xent(const SoftmaxXentArgs& a, cudaStream_t s);
void rank_loss(const RankLossArgs& a, cudaStream_t s);
void gru_forward(const GruForwardArgs& a, cudaStream_t s);
void gru_backward(const GruBackwardArgs& a, cudaStream_t s);
void optimizer_update(const OptArgs& a, cudaStream_t s);
void topk(const TopKArgs& a, cudaStream_t s);

}  // namespace sr::SR_KERNEL_NS
