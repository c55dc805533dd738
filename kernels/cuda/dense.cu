// CUDA kernels of the elementwise ops, column sums (kernels/dense.h), FM interactions
// (kernels/interaction.h) and max-pooling over steps (kernels/pooling.h). Reference: kernels/cpu/dense_ref.cpp. GEMM is
// cuBLAS's (see cuda_backend.cu).
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace sr::SR_KERNEL_NS {
namespace {

constexpr int kThreads = 256;
unsigned elementwise_blocks(int64_t n) { return grid_stride_blocks(n, kThreads); }

SR_REGISTER_BUDGET(bias_act_kernel, 32);
__global__ void bias_act_kernel(BiasActArgs a) {
  const int64_t n = a.rows * a.cols;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    a.y[i] = act_forward(a.act, a.x[i] + (a.bias ? a.bias[i % a.cols] : 0.0f));
}

SR_REGISTER_BUDGET(act_backward_kernel, 32);
__global__ void act_backward_kernel(ActBackwardArgs a) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < a.n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    a.dx[i] = a.dy[i] * act_derivative_from_output(a.act, a.y[i]);
}

SR_REGISTER_BUDGET(axpby_kernel, 32);
__global__ void axpby_kernel(AxpbyArgs a) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < a.n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    a.y[i] = (a.x ? a.a * a.x[i] : 0.0f) + (a.b == 0.0f ? 0.0f : a.b * a.y[i]);
}

SR_REGISTER_BUDGET(dropout_kernel, 40);
__global__ void dropout_kernel(DropoutArgs d) {
  const float keep_scale = 1.0f / (1.0f - d.p);
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < d.n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    d.y[i] = uniform01(d.seed, d.offset + static_cast<uint64_t>(i)) < d.p ? 0.0f : d.x[i] * keep_scale;
}

SR_REGISTER_BUDGET(elementwise_kernel, 40);
__global__ void elementwise_kernel(ElementwiseArgs e) {
  const int64_t n = e.rows * e.cols;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / e.cols, c = i - r * e.cols;
    const float f =
        elementwise_f(e.kind, e.a[r * e.lda + c], e.b ? e.b[r * e.ldb + c] : 0.0f, e.seed, static_cast<uint64_t>(i));
    float& y = e.y[r * e.ldy + c];
    y = e.alpha * f + (e.accumulate ? y : 0.0f);
  }
}

// A thread per row: the rows are short (an RBM's rating levels), so a row's reads stay in cache.
SR_REGISTER_BUDGET(softmax_rows_kernel, 32);
__global__ void softmax_rows_kernel(ElementwiseArgs e) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= e.rows) return;
  const float* a = e.a + r * e.lda;
  float* y = e.y + r * e.ldy;
  float m = a[0];
  for (int64_t c = 1; c < e.cols; ++c) m = a[c] > m ? a[c] : m;
  float sum = 0.0f;
  for (int64_t c = 0; c < e.cols; ++c) sum += expf(a[c] - m);
  for (int64_t c = 0; c < e.cols; ++c) y[c] = expf(a[c] - m) / sum;
}

// One thread per column walks the rows in order: neighbouring threads read neighbouring
// addresses (coalesced) and each sum has the reference's order.
SR_REGISTER_BUDGET(col_sum_kernel, 32);
__global__ void col_sum_kernel(ColSumArgs s) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= s.cols) return;
  float acc = 0.0f;
  for (int64_t r = 0; r < s.rows; ++r) acc += s.x[r * s.cols + c];
  s.out[c] = (s.beta == 0.0f ? 0.0f : s.beta * s.out[c]) + acc;
}

// FM forward: a warp per row; each lane takes every 32nd embedding column, summing the fields' values
// and squares down the column (a row's F·k floats are read once, coalesced), then the warp adds up.
constexpr int kFmRowsPerBlock = kThreads / 32;
SR_REGISTER_BUDGET(fm_forward_kernel, 32);
__global__ void fm_forward_kernel(FmInteractionArgs a) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kFmRowsPerBlock + threadIdx.x / 32;
  if (r >= a.rows) return;  // whole warps leave together: the row is the warp's
  const int lane = static_cast<int>(threadIdx.x % 32);
  const float* x = a.x + r * a.fields * a.dim;
  float part = 0.0f;
  for (int64_t d = lane; d < a.dim; d += 32) {
    float s = 0.0f, q = 0.0f;
    for (int64_t f = 0; f < a.fields; ++f) {
      const float v = x[f * a.dim + d];
      s += v, q += v * v;
    }
    part += 0.5f * (s * s - q);
  }
  for (int offset = 16; offset > 0; offset >>= 1) part += __shfl_xor_sync(kFullMask, part, offset);
  if (lane == 0) a.y[r] = part;
}

// FM backward: a thread per (row, embedding column) sums the column over the fields, then writes
// each field's gradient; neighbouring threads take neighbouring columns.
SR_REGISTER_BUDGET(fm_backward_kernel, 32);
__global__ void fm_backward_kernel(FmInteractionArgs a) {
  const int64_t n = a.rows * a.dim;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / a.dim, d = i - r * a.dim;
    const float* x = a.x + r * a.fields * a.dim + d;
    float* dx = a.dx + r * a.fields * a.dim + d;
    float s = 0.0f;
    for (int64_t f = 0; f < a.fields; ++f) s += x[f * a.dim];
    const float g = a.dy[r];
    for (int64_t f = 0; f < a.fields; ++f)
      dx[f * a.dim] = g * (s - x[f * a.dim]) + (a.accumulate ? dx[f * a.dim] : 0.0f);
  }
}

// Max over steps: a thread per (sequence, column), walking the steps; neighbouring threads take
// neighbouring columns of one row, so every step's read is coalesced. The backward pass is a
// scatter without collisions (each (sequence, column) adds into the one step it took).
SR_REGISTER_BUDGET(step_max_kernel, 32);
__global__ void step_max_kernel(StepMaxArgs a) {
  const int64_t n = a.batch * a.width;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (a.backward) {
      a.dx[a.arg[i] * n + i] += a.dy[i];
      continue;
    }
    float best = a.x[i];
    int32_t at = 0;
    for (int64_t t = 1; t < a.steps; ++t) {
      const float v = a.x[t * n + i];
      if (v > best || (best != best && v == v)) best = v, at = static_cast<int32_t>(t);
    }
    a.y[i] = best, a.arg[i] = at;
  }
}

}  // namespace

void bias_act(const BiasActArgs& a, const OpContext& ctx) {
  launch("bias_act_kernel", bias_act_kernel, elementwise_blocks(a.rows * a.cols), kThreads, 0, ctx, a);
}
void act_backward(const ActBackwardArgs& a, const OpContext& ctx) {
  launch("act_backward_kernel", act_backward_kernel, elementwise_blocks(a.n), kThreads, 0, ctx, a);
}
void axpby(const AxpbyArgs& a, const OpContext& ctx) {
  launch("axpby_kernel", axpby_kernel, elementwise_blocks(a.n), kThreads, 0, ctx, a);
}
void dropout(const DropoutArgs& a, const OpContext& ctx) {
  launch("dropout_kernel", dropout_kernel, elementwise_blocks(a.n), kThreads, 0, ctx, a);
}
void elementwise(const ElementwiseArgs& a, const OpContext& ctx) {
  if (a.kind == EwKind::softmax_rows)
    launch("softmax_rows_kernel", softmax_rows_kernel, blocks_for(a.rows, kThreads), kThreads, 0, ctx, a);
  else
    launch("elementwise_kernel", elementwise_kernel, elementwise_blocks(a.rows * a.cols), kThreads, 0, ctx, a);
}
void col_sum(const ColSumArgs& a, const OpContext& ctx) {
  launch("col_sum_kernel", col_sum_kernel, blocks_for(a.cols, kThreads), kThreads, 0, ctx, a);
}

void fm_interaction(const FmInteractionArgs& a, const OpContext& ctx) {
  if (a.backward)
    launch("fm_backward_kernel", fm_backward_kernel, elementwise_blocks(a.rows * a.dim), kThreads, 0, ctx, a);
  else
    launch("fm_forward_kernel", fm_forward_kernel, blocks_for(a.rows, kFmRowsPerBlock), kThreads, 0, ctx, a);
}

void step_max(const StepMaxArgs& a, const OpContext& ctx) {
  launch("step_max_kernel", step_max_kernel, elementwise_blocks(a.batch * a.width), kThreads, 0, ctx, a);
}

}  // namespace sr::SR_KERNEL_NS
