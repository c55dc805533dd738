// CUDA kernels of the three sparse primitives: gather (SpMM), scatter (SpMMᵀ, deterministic and
// atomic) and sampled dot (SDDMM). Reference: kernels/cpu/sparse_ref.cpp.
//
// Layout: one warp per sparse row; the warp's lanes stride across the dense width, each lane
// keeping kColsPerLane accumulators, so every load of a W row is coalesced. The row's nonzeros are
// loaded 32 at a time, one per lane, and broadcast with shuffles.
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace sr::SR_KERNEL_NS {
namespace {

constexpr int kWarpsPerBlock = 4;  // 128 threads: enough warps to hide latency at small batch
constexpr int kColsPerLane = 4;    // 128 columns per pass over a row's nonzeros

// A warp-per-row SpMM: out[out_row(r), :] (op)= Σ_{e in row r} value(e) · in[col_idx[e], :].
// value(e) = val[val_index ? val_index[e] : e], or 1 when val is null. Serves gather (rows of the
// CSR) and the deterministic scatter (rows of the touched-columns transpose).
struct RowSpmm {
  const int32_t* row_ptr;
  const int32_t* col_idx;
  const float* val;
  const int32_t* val_index;
  int64_t rows;
  const int32_t* out_rows;
  const float* in;
  int64_t width;
  const float* bias;
  Act act;
  bool accumulate;
  float* out;
};

SR_REGISTER_BUDGET(spmm_rows_kernel, 64);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) spmm_rows_kernel(RowSpmm p) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= p.rows) return;  // the whole warp leaves together: no shuffle is left waiting
  const int lane = static_cast<int>(threadIdx.x);
  const int32_t begin = p.row_ptr[row], end = p.row_ptr[row + 1];
  float* out_row = p.out + (p.out_rows ? static_cast<int64_t>(p.out_rows[row]) : row) * p.width;
  for (int64_t c0 = 0; c0 < p.width; c0 += 32 * kColsPerLane) {
    float acc[kColsPerLane];
    for (int j = 0; j < kColsPerLane; ++j) acc[j] = 0.0f;
    for (int32_t k0 = begin; k0 < end; k0 += 32) {
      int32_t my_col = 0;
      float my_val = 0.0f;
      if (k0 + lane < end) {
        my_col = p.col_idx[k0 + lane];
        const int32_t vi = p.val_index ? p.val_index[k0 + lane] : k0 + lane;
        my_val = p.val ? p.val[vi] : 1.0f;
      }
      const int n = end - k0 < 32 ? end - k0 : 32;
      for (int t = 0; t < n; ++t) {
        const int32_t col = __shfl_sync(kFullMask, my_col, t);
        const float v = __shfl_sync(kFullMask, my_val, t);
        const float* in_row = p.in + static_cast<int64_t>(col) * p.width;
        for (int j = 0; j < kColsPerLane; ++j) {
          const int64_t c = c0 + lane + 32 * j;
          if (c < p.width) acc[j] += v * __ldg(in_row + c);
        }
      }
    }
    for (int j = 0; j < kColsPerLane; ++j) {
      const int64_t c = c0 + lane + 32 * j;
      if (c >= p.width) continue;
      out_row[c] = p.accumulate ? out_row[c] + acc[j] : act_forward(p.act, acc[j] + (p.bias ? p.bias[c] : 0.0f));
    }
  }
}

// Atomic scatter: one warp per CSR row adds v · D[row, :] into dW[col, :] for each nonzero.
SR_REGISTER_BUDGET(scatter_atomic_kernel, 40);
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    scatter_atomic_kernel(CsrView a, const float* vals, const float* d, int64_t width, float* dw) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= a.rows) return;
  const float* d_row = d + row * width;
  for (int32_t k = a.row_ptr[row]; k < a.row_ptr[row + 1]; ++k) {
    const float v = vals ? vals[k] : 1.0f;
    float* dw_row = dw + static_cast<int64_t>(a.col_idx[k]) * width;
    for (int64_t c = threadIdx.x; c < width; c += 32) atomicAdd(dw_row + c, v * d_row[c]);
  }
}

// Sampled dot: one warp per pattern row; for each listed column the lanes take partial dot
// products over the width and reduce them with a butterfly of shuffles (fixed order: deterministic).
SR_REGISTER_BUDGET(sampled_dot_kernel, 48);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) sampled_dot_kernel(SampledDotArgs s) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= s.pattern.rows) return;
  const int lane = static_cast<int>(threadIdx.x);
  const float* h = s.h + row * s.width;
  for (int32_t k = s.pattern.row_ptr[row]; k < s.pattern.row_ptr[row + 1]; ++k) {
    const int64_t col = s.pattern.col_idx[k];
    const float* v = s.v + col * s.width;
    float part = 0.0f;
    for (int64_t c = lane; c < s.width; c += 32) part += h[c] * __ldg(v + c);
    for (int offset = 16; offset > 0; offset >>= 1) part += __shfl_xor_sync(kFullMask, part, offset);
    if (lane == 0) s.z[k] = act_forward(s.act, part + (s.c ? s.c[col] : 0.0f));
  }
}

dim3 warp_rows_block() { return dim3(32, kWarpsPerBlock); }

}  // namespace

void gather(const GatherArgs& g, cudaStream_t stream) {
  const RowSpmm p{g.a.row_ptr, g.a.col_idx, g.a.val, nullptr, g.a.rows, g.out_rows, g.w,
                  g.width,     g.bias,      g.act,   g.accumulate, g.y};
  launch("spmm_rows_kernel", spmm_rows_kernel, blocks_for(g.a.rows, kWarpsPerBlock), warp_rows_block(), 0, stream, p);
}

void scatter(const ScatterArgs& s, ScatterMode mode, cudaStream_t stream) {
  if (mode == ScatterMode::atomic) {
    launch("scatter_atomic_kernel", scatter_atomic_kernel, blocks_for(s.a.rows, kWarpsPerBlock), warp_rows_block(), 0,
           stream, s.a, s.vals, s.d, s.width, s.dw);
    return;
  }
  // Deterministic: each touched column is summed by one warp in a fixed order, then added once.
  const RowSpmm p{s.at.col_ptr, s.at.row_idx, s.vals,      s.at.src, s.at.n_touched, s.at.touched, s.d,
                  s.width,      nullptr,      Act::identity, true,     s.dw};
  launch("spmm_rows_kernel", spmm_rows_kernel, blocks_for(s.at.n_touched, kWarpsPerBlock), warp_rows_block(), 0,
         stream, p);
}

void sampled_dot(const SampledDotArgs& s, cudaStream_t stream) {
  launch("sampled_dot_kernel", sampled_dot_kernel, blocks_for(s.pattern.rows, kWarpsPerBlock), warp_rows_block(), 0,
         stream, s);
}

}  // namespace sr::SR_KERNEL_NS
