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
constexpr int kSplitWarps = 8;     // warps sharing one long row (spmm_split_rows_kernel)
// A warp a row until there are this few rows with at least kSplitMinAverage nonzeros each on
// average; then a block a row (see spmm_split_rows_kernel and sampled_dot_split_kernel).
constexpr int64_t kSplitBelowRows = 1024, kSplitMinAverage = 64;

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

// Adds into acc[j] (column c0 + lane + 32 j) the terms of nonzeros [begin, end) of the SpMM: the
// lanes take the nonzeros 32 at a time, one each, and broadcast them with shuffles. The whole warp
// calls it with the same range.
__device__ inline void spmm_accumulate(const RowSpmm& p, int32_t begin, int32_t end, int64_t c0, int lane,
                                       float (&acc)[kColsPerLane]) {
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
}

__device__ inline void spmm_store(const RowSpmm& p, float* out_row, int64_t c, float sum) {
  out_row[c] = p.accumulate ? out_row[c] + sum : act_forward(p.act, sum + (p.bias ? p.bias[c] : 0.0f));
}

SR_REGISTER_BUDGET(spmm_rows_kernel, 64);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) spmm_rows_kernel(RowSpmm p) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= p.rows) return;  // the whole warp leaves together: no shuffle is left waiting
  const int lane = static_cast<int>(threadIdx.x);
  float* out_row = p.out + (p.out_rows ? static_cast<int64_t>(p.out_rows[row]) : row) * p.width;
  for (int64_t c0 = 0; c0 < p.width; c0 += 32 * kColsPerLane) {
    float acc[kColsPerLane];
    for (int j = 0; j < kColsPerLane; ++j) acc[j] = 0.0f;
    spmm_accumulate(p, p.row_ptr[row], p.row_ptr[row + 1], c0, lane, acc);
    for (int j = 0; j < kColsPerLane; ++j) {
      const int64_t c = c0 + lane + 32 * j;
      if (c < p.width) spmm_store(p, out_row, c, acc[j]);
    }
  }
}

// Few rows, long ones (RBM-CF's batch of 50 items, each with hundreds of ratings x 5 levels; the
// deterministic scatter into a few touched columns): a warp a row would leave most of the GPU idle
// while each warp walks its row alone. Here a block takes a row, its warps fixed contiguous slices
// of the row's nonzeros; their partial sums meet in shared memory and are added in warp order, so
// the result depends on the shape alone (deterministic).
// At least 4 blocks an SM: caps registers at 64, which ptxas then meets without spilling (left to
// itself on sm_90 it chose 48 and spilled).
SR_REGISTER_BUDGET(spmm_split_rows_kernel, 64);
__global__ void __launch_bounds__(kSplitWarps * 32, 4) spmm_split_rows_kernel(RowSpmm p) {
  __shared__ float partial[kSplitWarps][32 * kColsPerLane];
  const int64_t row = blockIdx.x;  // one block per row, exactly: every thread reaches the barriers
  const int lane = static_cast<int>(threadIdx.x), warp = static_cast<int>(threadIdx.y);
  const int32_t begin = p.row_ptr[row], end = p.row_ptr[row + 1];
  const int32_t slice = (end - begin + kSplitWarps - 1) / kSplitWarps;
  const int32_t mine = begin + warp * slice < end ? begin + warp * slice : end;
  const int32_t mine_end = mine + slice < end ? mine + slice : end;
  float* out_row = p.out + (p.out_rows ? static_cast<int64_t>(p.out_rows[row]) : row) * p.width;
  for (int64_t c0 = 0; c0 < p.width; c0 += 32 * kColsPerLane) {
    float acc[kColsPerLane];
    for (int j = 0; j < kColsPerLane; ++j) acc[j] = 0.0f;
    spmm_accumulate(p, mine, mine_end, c0, lane, acc);
    for (int j = 0; j < kColsPerLane; ++j) partial[warp][lane + 32 * j] = acc[j];
    __syncthreads();
    if (warp == 0) {
      for (int j = 0; j < kColsPerLane; ++j) {
        const int64_t c = c0 + lane + 32 * j;
        if (c >= p.width) continue;
        float sum = 0.0f;
        for (int w = 0; w < kSplitWarps; ++w) sum += partial[w][lane + 32 * j];
        spmm_store(p, out_row, c, sum);
      }
    }
    __syncthreads();  // the next pass overwrites `partial`
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

// Score z[k] of pattern entry k (row `row`): the lanes take partial products over the width and
// reduce them with a butterfly of shuffles (fixed order: deterministic).
__device__ inline void sampled_dot_entry(const SampledDotArgs& s, const float* h, int32_t k, int lane) {
  const int64_t col = s.pattern.col_idx[k];
  const float* v = s.v + col * s.width;
  float part = 0.0f;
  for (int64_t c = lane; c < s.width; c += 32) part += h[c] * __ldg(v + c);
  for (int offset = 16; offset > 0; offset >>= 1) part += __shfl_xor_sync(kFullMask, part, offset);
  if (lane == 0) s.z[k] = act_forward(s.act, part + (s.c ? s.c[col] : 0.0f));
}

// Sampled dot: one warp per pattern row, entry after entry.
SR_REGISTER_BUDGET(sampled_dot_kernel, 48);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) sampled_dot_kernel(SampledDotArgs s) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= s.pattern.rows) return;
  const float* h = s.h + row * s.width;
  for (int32_t k = s.pattern.row_ptr[row]; k < s.pattern.row_ptr[row + 1]; ++k)
    sampled_dot_entry(s, h, k, static_cast<int>(threadIdx.x));
}

// Few long rows: a block per row, its warps taking every kSplitWarps-th entry (each entry's score
// is written once, so this is as deterministic as the warp-per-row form).
SR_REGISTER_BUDGET(sampled_dot_split_kernel, 48);
__global__ void __launch_bounds__(kSplitWarps * 32) sampled_dot_split_kernel(SampledDotArgs s) {
  const int64_t row = blockIdx.x;
  const float* h = s.h + row * s.width;
  for (int32_t k = s.pattern.row_ptr[row] + static_cast<int32_t>(threadIdx.y); k < s.pattern.row_ptr[row + 1];
       k += kSplitWarps)
    sampled_dot_entry(s, h, k, static_cast<int>(threadIdx.x));
}

bool split_rows(int64_t rows, int64_t nnz) {
  return rows > 0 && rows < kSplitBelowRows && nnz >= rows * kSplitMinAverage;
}

void spmm(const RowSpmm& p, int64_t nnz, const OpContext& ctx) {
  if (split_rows(p.rows, nnz))
    launch("spmm_split_rows_kernel", spmm_split_rows_kernel, static_cast<unsigned>(p.rows), dim3(32, kSplitWarps), 0,
           ctx, p);
  else
    launch("spmm_rows_kernel", spmm_rows_kernel, blocks_for(p.rows, kWarpsPerBlock), dim3(32, kWarpsPerBlock), 0, ctx,
           p);
}

}  // namespace

void gather(const GatherArgs& g, const OpContext& ctx) {
  spmm({g.a.row_ptr, g.a.col_idx, g.a.val, nullptr, g.a.rows, g.out_rows, g.w, g.width, g.bias, g.act, g.accumulate,
        g.y},
       g.a.nnz, ctx);
}

void scatter(const ScatterArgs& s, const OpContext& ctx) {
  if (s.mode == ScatterMode::atomic) {
    launch("scatter_atomic_kernel", scatter_atomic_kernel, blocks_for(s.a.rows, kWarpsPerBlock),
           dim3(32, kWarpsPerBlock), 0, ctx, s.a, s.vals, s.d, s.width, s.dw);
    return;
  }
  // Deterministic: each touched column is summed in a fixed order (by a warp, or a block's warps
  // in warp order), then added once.
  spmm({s.at.col_ptr, s.at.row_idx, s.vals, s.at.src, s.at.n_touched, s.at.touched, s.d, s.width, nullptr,
        Act::identity, true, s.dw},
       s.a.nnz, ctx);
}

void sampled_dot(const SampledDotArgs& s, const OpContext& ctx) {
  if (split_rows(s.pattern.rows, s.pattern.nnz))
    launch("sampled_dot_split_kernel", sampled_dot_split_kernel, static_cast<unsigned>(s.pattern.rows),
           dim3(32, kSplitWarps), 0, ctx, s);
  else
    launch("sampled_dot_kernel", sampled_dot_kernel, blocks_for(s.pattern.rows, kWarpsPerBlock),
           dim3(32, kWarpsPerBlock), 0, ctx, s);
}

}  // namespace sr::SR_KERNEL_NS
