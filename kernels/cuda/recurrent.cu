// CUDA kernels of the GRU cell (kernels/recurrent.h): a thread per (row, hidden unit), the gate
// arithmetic of both GEMMs' outputs fused into one pass each way. Reference:
// kernels/cpu/recurrent_ref.cpp (the per-unit functions are shared).
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace sr::SR_KERNEL_NS {
namespace {

constexpr int kThreads = 256;
unsigned grid_for(int64_t n) { return grid_stride_blocks(n, kThreads); }

SR_REGISTER_BUDGET(gru_forward_kernel, 40);
__global__ void gru_forward_kernel(GruForwardArgs a) {
  const int64_t n = a.rows * a.hidden;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    gru_forward_unit(a, i / a.hidden, i % a.hidden);
}

SR_REGISTER_BUDGET(gru_backward_kernel, 40);
__global__ void gru_backward_kernel(GruBackwardArgs a) {
  const int64_t n = a.rows * a.hidden;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    gru_backward_unit(a, i / a.hidden, i % a.hidden);
}

}  // namespace

void gru_forward(const GruForwardArgs& a, const OpContext& ctx) {
  if (a.rows * a.hidden == 0) return;
  launch("gru_forward_kernel", gru_forward_kernel, grid_for(a.rows * a.hidden), kThreads, 0, ctx, a);
}
void gru_backward(const GruBackwardArgs& a, const OpContext& ctx) {
  if (a.rows * a.hidden == 0) return;
  launch("gru_backward_kernel", gru_backward_kernel, grid_for(a.rows * a.hidden), kThreads, 0, ctx, a);
}

}  // namespace sr::SR_KERNEL_NS
