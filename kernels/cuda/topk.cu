// CUDA kernel of batched top-K with exclusion (kernels/topk.h). Reference: kernels/cpu/topk_ref.cpp.
//
// One block per row, k rounds of block-wide arg-max: in each round every thread finds its best
// candidate among its strided columns that ranks after the previous pick, and a shared-memory tree
// picks the block's best. Work is k · cols / threads per thread, which suits recommendation's small
// k; a radix select for large k is the next step. Excluded columns are found by binary search in the
// row's sorted exclusion list.
#include <math.h>

#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace sr::SR_KERNEL_NS {
namespace {

constexpr int kTopKThreads = 128;

// a ranks before b: higher score, then lower index; index -1 (nothing) ranks last.
__device__ __forceinline__ bool ranks_before(float sa, int32_t ia, float sb, int32_t ib) {
  if (ia < 0) return false;
  if (ib < 0) return true;
  return sa > sb || (sa == sb && ia < ib);
}

__device__ __forceinline__ bool contains_sorted(const int32_t* list, int32_t n, int32_t value) {
  int32_t lo = 0, hi = n;
  while (lo < hi) {
    const int32_t mid = (lo + hi) / 2;
    if (list[mid] < value)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && list[lo] == value;
}

SR_REGISTER_BUDGET(topk_kernel, 48);
__global__ void __launch_bounds__(kTopKThreads) topk_kernel(TopKArgs t) {
  __shared__ float s_score[kTopKThreads];
  __shared__ int32_t s_index[kTopKThreads];
  const unsigned tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const float* s = t.scores + row * (t.row_stride ? t.row_stride : t.cols);
  const int32_t* excluded = t.exclude_ptr ? t.exclude_cols + t.exclude_ptr[row] : nullptr;
  const int32_t n_excluded = t.exclude_ptr ? t.exclude_ptr[row + 1] - t.exclude_ptr[row] : 0;
  float last_s = 0.0f;
  int32_t last_i = -1;
  for (int j = 0; j < t.k; ++j) {
    float best_s = -INFINITY;
    int32_t best_i = -1;
    if (j == 0 || last_i >= 0) {  // once a round finds nothing, no later round can
      for (int64_t c64 = tid; c64 < t.cols; c64 += blockDim.x) {
        const int32_t c = static_cast<int32_t>(c64);
        const float v = s[c64 * t.col_stride];
        if (v != v) continue;                                                 // NaN: never selected
        if (j > 0 && !(v < last_s || (v == last_s && c > last_i))) continue;  // picked already
        if (!ranks_before(v, c, best_s, best_i)) continue;
        if (n_excluded && contains_sorted(excluded, n_excluded, c)) continue;
        best_s = v;
        best_i = c;
      }
    }
    s_score[tid] = best_s;
    s_index[tid] = best_i;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
      if (tid < stride && ranks_before(s_score[tid + stride], s_index[tid + stride], s_score[tid], s_index[tid])) {
        s_score[tid] = s_score[tid + stride];
        s_index[tid] = s_index[tid + stride];
      }
      __syncthreads();
    }
    last_s = s_score[0];
    last_i = s_index[0];
    if (tid == 0) {
      t.out_index[row * t.k + j] = last_i;
      t.out_score[row * t.k + j] = last_i >= 0 ? last_s : -INFINITY;
    }
    __syncthreads();  // everyone has read the winner before the next round overwrites it
  }
}

}  // namespace

void topk(const TopKArgs& t, const OpContext& ctx) {
  launch("topk_kernel", topk_kernel, static_cast<unsigned>(t.rows), kTopKThreads, 0, ctx, t);
}

}  // namespace sr::SR_KERNEL_NS
