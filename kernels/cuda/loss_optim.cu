// CUDA kernels of the losses (kernels/loss.h) and optimizer updates (kernels/optim.h). Reference:
// kernels/cpu/loss_optim_ref.cpp.
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace sr::SR_KERNEL_NS {
namespace {

constexpr int kLossThreads = 256;
constexpr int kLossBlocks = 256;  // partial sums; a second one-block pass adds them in order
constexpr int kOptThreads = 256;

__device__ __forceinline__ float softplus(float x) { return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

// Block-wide sum through shared memory; every thread of the block must call it.
__device__ float block_sum(float v) {
  SR_DYNAMIC_SHARED(float, partial);
  partial[threadIdx.x] = v;
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  return partial[0];
}

// Stage 1: each block writes the sum of its grid-stride share to partial[blockIdx.x].
SR_REGISTER_BUDGET(loss_partial_kernel, 40);
__global__ void loss_partial_kernel(LossArgs l, float* partial) {
  float acc = 0.0f;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < l.n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float z = l.z[i], t = l.target[i], w = l.weight ? l.weight[i] : 1.0f;
    float value, grad;
    if (l.kind == LossKind::mse) {
      value = (z - t) * (z - t);
      grad = 2.0f * (z - t);
    } else {
      value = softplus(z) - t * z;
      grad = 1.0f / (1.0f + expf(-z)) - t;
    }
    acc += w * value;
    if (l.dz) l.dz[i] = l.scale * w * grad;
  }
  const float total = block_sum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// Stage 2: one block adds the partial sums (a fixed tree: the loss is the same run to run).
SR_REGISTER_BUDGET(loss_final_kernel, 32);
__global__ void loss_final_kernel(const float* partial, int n, float scale, float* out) {
  float acc = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) acc += partial[i];
  const float total = block_sum(acc);
  if (threadIdx.x == 0) out[0] = scale * total;
}

// Block-wide maximum, like block_sum.
__device__ float block_max(float v) {
  SR_DYNAMIC_SHARED(float, partial);
  partial[threadIdx.x] = v;
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) partial[threadIdx.x] = fmaxf(partial[threadIdx.x], partial[threadIdx.x + stride]);
    __syncthreads();
  }
  return partial[0];
}

// One block per row: the row's maximum, the sum of exponentials, then the dense gradient and,
// after a barrier, the targets subtracted at their (distinct) columns. Reads of partial[0] by every
// thread are followed by a barrier before the next reduction writes partial again.
SR_REGISTER_BUDGET(softmax_xent_kernel, 40);
__global__ void softmax_xent_kernel(SoftmaxXentArgs a) {
  const int64_t r = blockIdx.x;
  const float* z = a.z + r * a.cols;
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < a.cols; j += blockDim.x) m = fmaxf(m, z[j]);
  m = block_max(m);
  __syncthreads();
  float sum = 0.0f;
  for (int64_t j = threadIdx.x; j < a.cols; j += blockDim.x) sum += expf(z[j] - m);
  const float lse = m + logf(block_sum(sum));
  __syncthreads();
  const int32_t kb = a.target.row_ptr[r], ke = a.target.row_ptr[r + 1];
  float total = 0.0f, picked = 0.0f;
  for (int32_t k = kb + static_cast<int32_t>(threadIdx.x); k < ke; k += static_cast<int32_t>(blockDim.x)) {
    const float t = a.target.val ? a.target.val[k] : 1.0f;
    total += t;
    picked += t * z[a.target.col_idx[k]];
  }
  total = block_sum(total);
  __syncthreads();
  picked = block_sum(picked);
  if (a.row_loss && threadIdx.x == 0) a.row_loss[r] = a.scale * (total * lse - picked);
  if (!a.dz) return;
  float* dz = a.dz + r * a.cols;
  for (int64_t j = threadIdx.x; j < a.cols; j += blockDim.x) dz[j] = a.scale * total * expf(z[j] - lse);
  __syncthreads();
  for (int32_t k = kb + static_cast<int32_t>(threadIdx.x); k < ke; k += static_cast<int32_t>(blockDim.x))
    dz[a.target.col_idx[k]] -= a.scale * (a.target.val ? a.target.val[k] : 1.0f);
}

// One block per row (kernels/loss.h, RankLossArgs): the positive (the first entry whose target is
// > 0, found as a block maximum of −offset), the maximum over the scores, four block sums of
// rank_loss_terms, then every entry's gradient. The arithmetic is the reference's, shared.
SR_REGISTER_BUDGET(rank_loss_kernel, 48);
__global__ void rank_loss_kernel(RankLossArgs a) {
  const int64_t r = blockIdx.x;
  const int32_t b = a.row_ptr[r], e = a.row_ptr[r + 1];
  float first = -INFINITY;
  for (int32_t k = b + static_cast<int32_t>(threadIdx.x); k < e; k += static_cast<int32_t>(blockDim.x))
    if (a.target[k] > 0.0f) first = fmaxf(first, -static_cast<float>(k - b));
  first = block_max(first);
  __syncthreads();
  if (first == -INFINITY || e - b < 2) {  // no positive or no negative: nothing to learn
    if (a.row_loss && threadIdx.x == 0) a.row_loss[r] = 0.0f;
    if (a.dz)
      for (int32_t k = b + static_cast<int32_t>(threadIdx.x); k < e; k += static_cast<int32_t>(blockDim.x))
        a.dz[k] = 0.0f;
    return;
  }
  const int32_t p = b + static_cast<int32_t>(-first);
  const float sp = a.z[p], n = static_cast<float>(e - b - 1);
  float m = a.kind == RankLoss::xent ? sp : -INFINITY;
  for (int32_t k = b + static_cast<int32_t>(threadIdx.x); k < e; k += static_cast<int32_t>(blockDim.x))
    if (k != p) m = fmaxf(m, a.z[k]);
  m = block_max(m);
  __syncthreads();
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int32_t k = b + static_cast<int32_t>(threadIdx.x); k < e; k += static_cast<int32_t>(blockDim.x))
    if (k != p) rank_loss_terms(a.kind, a.z[k], sp, m, acc);
  for (int i = 0; i < 4; ++i) {
    acc[i] = block_sum(acc[i]);
    __syncthreads();
  }
  if (a.row_loss && threadIdx.x == 0) a.row_loss[r] = a.scale * rank_loss_value(a.kind, acc, sp, m, n, a.bpreg);
  if (!a.dz) return;
  for (int32_t k = b + static_cast<int32_t>(threadIdx.x); k < e; k += static_cast<int32_t>(blockDim.x))
    a.dz[k] = a.scale * (k == p ? rank_loss_grad_positive(a.kind, acc, sp, m, n)
                                : rank_loss_grad_negative(a.kind, a.z[k], acc, sp, m, n, a.bpreg));
}

SR_REGISTER_BUDGET(optimizer_kernel, 48);
__global__ void optimizer_kernel(OptArgs o, float bc1, float bc2) {
  const int64_t n = o.rows * o.width;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = e / o.width, c = e % o.width;
    const int64_t i = (o.row_ids ? static_cast<int64_t>(o.row_ids[r]) : r) * o.width + c;
    const float g = o.g[i] + o.weight_decay * o.w[i];
    switch (o.kind) {
      case OptKind::sgd:
        o.s1[i] = o.momentum * o.s1[i] + g;
        o.w[i] -= o.lr * o.s1[i];
        break;
      case OptKind::adam: {
        o.s1[i] = o.beta1 * o.s1[i] + (1.0f - o.beta1) * g;
        o.s2[i] = o.beta2 * o.s2[i] + (1.0f - o.beta2) * g * g;
        o.w[i] -= o.lr * (o.s1[i] / bc1) / (sqrtf(o.s2[i] / bc2) + o.eps);
        break;
      }
      case OptKind::adagrad:
        o.s1[i] += g * g;
        o.w[i] -= o.lr * g / (sqrtf(o.s1[i]) + o.eps);
        break;
      case OptKind::rprop: {
        const float sign_change = g * o.s2[i];
        float step = o.s1[i], gi = g;
        if (sign_change > 0.0f) {
          step = fminf(step * o.eta_plus, o.step_max);
        } else if (sign_change < 0.0f) {
          step = fmaxf(step * o.eta_minus, o.step_min);
          gi = 0.0f;
        }
        o.s1[i] = step;
        o.s2[i] = gi;
        o.w[i] -= (gi > 0.0f ? step : (gi < 0.0f ? -step : 0.0f));
        break;
      }
    }
    if (o.consume_gradient) o.g[i] = 0.0f;
  }
}

}  // namespace

int64_t loss_scratch_floats() { return kLossBlocks; }

void loss(const LossArgs& l, const OpContext& ctx) {
  const unsigned needed = blocks_for(l.n > 0 ? l.n : 1, kLossThreads);  // one block even for n = 0: the loss is 0
  const unsigned blocks = needed < kLossBlocks ? needed : kLossBlocks;
  const size_t smem = kLossThreads * sizeof(float);
  launch("loss_partial_kernel", loss_partial_kernel, blocks, kLossThreads, smem, ctx, l, ctx.loss_scratch);
  if (l.loss_out)
    launch("loss_final_kernel", loss_final_kernel, 1, kLossThreads, smem, ctx,
           static_cast<const float*>(ctx.loss_scratch), static_cast<int>(blocks), l.scale, l.loss_out);
}

void softmax_xent(const SoftmaxXentArgs& a, const OpContext& ctx) {
  if (a.rows == 0) return;
  // A power of two (the reductions halve it), from a warp up to kLossThreads: narrow rows waste
  // no threads (and the emulator, which runs every thread, no time).
  unsigned threads = 32;
  while (threads < kLossThreads && threads < static_cast<unsigned>(a.cols)) threads *= 2;
  launch("softmax_xent_kernel", softmax_xent_kernel, static_cast<unsigned>(a.rows), threads, threads * sizeof(float),
         ctx, a);
}

void rank_loss(const RankLossArgs& a, const OpContext& ctx) {
  if (a.rows == 0) return;
#if defined(SPARSEREC_EMU)
  constexpr unsigned threads = 32;  // the emulator runs every thread through every barrier
#else
  constexpr unsigned threads = 128;
#endif
  launch("rank_loss_kernel", rank_loss_kernel, static_cast<unsigned>(a.rows), threads, threads * sizeof(float), ctx, a);
}

void optimizer_update(const OptArgs& o, const OpContext& ctx) {
  const float bc1 = 1.0f - powf(o.beta1, static_cast<float>(o.step));
  const float bc2 = 1.0f - powf(o.beta2, static_cast<float>(o.step));
  unsigned blocks = blocks_for(o.rows * o.width, kOptThreads);
  if (blocks > 4096) blocks = 4096;
  launch("optimizer_kernel", optimizer_kernel, blocks, kOptThreads, 0, ctx, o, bc1, bc2);
}

}  // namespace sr::SR_KERNEL_NS
