// CUDA kernels of the three sparse primitives: gather (SpMM), scatter (SpMMᵀ, deterministic and
// atomic) and sampled dot (SDDMM). Reference: kernels/cpu/sparse_ref.cpp.
//
// Layout: one warp per sparse row; the warp's lanes stride across the dense width, each lane
// keeping kColsPerLane accumulators, so every load of a W row is coalesced. The row's nonzeros are
// loaded 32 at a time, one per lane, and broadcast with shuffles.
#include <cstdint>
#include <cstdlib>
#include <string>

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

// Nonzero k of the SpMM (its column and value; column 0 and value 0 past `end`), a lane's share
// of a batch of 32 that the warp then broadcasts with shuffles.
__device__ inline void load_nonzero(const RowSpmm& p, int32_t k, int32_t end, int32_t& col, float& val) {
  col = 0, val = 0.0f;
  if (k >= end) return;
  col = p.col_idx[k];
  val = p.val ? p.val[p.val_index ? p.val_index[k] : k] : 1.0f;
}

// Adds into acc[j] (column c0 + lane + 32 j) the terms of nonzeros [begin, end) of the SpMM: the
// lanes take the nonzeros 32 at a time, one each, and broadcast them with shuffles. The whole warp
// calls it with the same range.
__device__ inline void spmm_accumulate(const RowSpmm& p, int32_t begin, int32_t end, int64_t c0, int lane,
                                       float (&acc)[kColsPerLane]) {
  for (int32_t k0 = begin; k0 < end; k0 += 32) {
    int32_t my_col;
    float my_val;
    load_nonzero(p, k0 + lane, end, my_col, my_val);
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

// Narrow rows in float4s (Sputnik's vector loads of dense rows; GE-SpMM's many nonzeros at once
// where a warp a nonzero would leave lanes idle): a lane holds 4 adjacent columns, a group of
// `group` lanes covers up to 4·group columns of one nonzero's row, and the warp's 32 / group groups
// take that many nonzeros at once, each its own. The groups' sums then meet by a butterfly of
// shuffles (a fixed order: the result depends on the shape alone, as the other forms'). Widths over
// 128 take passes of 128 columns, group 32. Needs width % 4 == 0 and a 16-byte aligned `in`
// (vector_fits); its stores are scalar.
constexpr int kVec = 4;

SR_REGISTER_BUDGET(spmm_vector_kernel, 64);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) spmm_vector_kernel(RowSpmm p, int group) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= p.rows) return;  // the whole warp leaves together
  const int lane = static_cast<int>(threadIdx.x), groups = 32 / group, g = lane / group;
  const int32_t begin = p.row_ptr[row], end = p.row_ptr[row + 1];
  float* out_row = p.out + (p.out_rows ? static_cast<int64_t>(p.out_rows[row]) : row) * p.width;
  for (int64_t c0 = 0; c0 < p.width; c0 += kVec * group) {
    const int64_t c = c0 + kVec * (lane % group);
    const bool mine = c < p.width;  // then c + 3 < width too (width % 4 == 0)
    float acc[kVec] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int32_t k0 = begin; k0 < end; k0 += 32) {
      int32_t my_col;
      float my_val;
      load_nonzero(p, k0 + lane, end, my_col, my_val);
      const int n = end - k0 < 32 ? end - k0 : 32;
      for (int t = 0; t < n; t += groups) {  // t + g < 32: t is a multiple of groups below 32
        const int32_t col = __shfl_sync(kFullMask, my_col, t + g);
        const float v = __shfl_sync(kFullMask, my_val, t + g);
        if (t + g < n && mine) {
          const float4 w = __ldg(reinterpret_cast<const float4*>(p.in + static_cast<int64_t>(col) * p.width + c));
          acc[0] += v * w.x, acc[1] += v * w.y, acc[2] += v * w.z, acc[3] += v * w.w;
        }
      }
    }
    for (int offset = group; offset < 32; offset <<= 1)
      for (int j = 0; j < kVec; ++j) acc[j] += __shfl_xor_sync(kFullMask, acc[j], offset);
    if (g == 0 && mine)
      for (int j = 0; j < kVec; ++j) spmm_store(p, out_row, c + j, acc[j]);
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

// Densify: one warp per row zeroes the row's block (coalesced), then adds its nonzeros, a lane
// each. Where a row's columns are distinct each add lands on a zero and the result is exact; a
// column repeated in a row (events imported without merging repeats) is summed in any order,
// which is exact too while the values are small integers (implicit feedback's 1s).
SR_REGISTER_BUDGET(densify_kernel, 32);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) densify_kernel(DensifyArgs d) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= d.a.rows) return;
  float* y = d.y + row * d.ldy;
  for (int64_t c = threadIdx.x; c < d.a.cols; c += 32) y[c] = 0.0f;
  __syncwarp();
  for (int32_t k = d.a.row_ptr[row] + static_cast<int32_t>(threadIdx.x); k < d.a.row_ptr[row + 1]; k += 32)
    atomicAdd(y + d.a.col_idx[k], d.a.val ? d.a.val[k] : 1.0f);
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

// Narrow rows in float4s, for the sampled dot: a group of `group` lanes takes an entry (4 adjacent
// columns a lane, passes of 4·group columns), the warp's 32 / group groups that many entries of
// the row at once; a group's partial sums meet by a butterfly within it (a fixed order). Needs
// width % 4 == 0 and 16-byte aligned h and v.
SR_REGISTER_BUDGET(sampled_dot_vector_kernel, 48);
__global__ void __launch_bounds__(kWarpsPerBlock * 32) sampled_dot_vector_kernel(SampledDotArgs s, int group) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  if (row >= s.pattern.rows) return;  // the whole warp leaves together
  const int lane = static_cast<int>(threadIdx.x), groups = 32 / group, g = lane / group;
  const float* h = s.h + row * s.width;
  const int32_t end = s.pattern.row_ptr[row + 1];
  for (int32_t k0 = s.pattern.row_ptr[row]; k0 < end; k0 += groups) {  // the same trips for every lane
    const int32_t k = k0 + g;
    const bool real = k < end;
    const int64_t col = real ? s.pattern.col_idx[k] : 0;
    float part = 0.0f;
    if (real)
      for (int64_t c = kVec * (lane % group); c < s.width; c += kVec * group) {
        const float4 a = *reinterpret_cast<const float4*>(h + c);
        const float4 b = __ldg(reinterpret_cast<const float4*>(s.v + col * s.width + c));
        part += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
      }
    for (int offset = group / 2; offset > 0; offset >>= 1) part += __shfl_xor_sync(kFullMask, part, offset);
    if (real && lane % group == 0) s.z[k] = act_forward(s.act, part + (s.c ? s.c[col] : 0.0f));
  }
}

bool split_rows(int64_t rows, int64_t nnz) {
  return rows > 0 && rows < kSplitBelowRows && nnz >= rows * kSplitMinAverage;
}

bool aligned16(const void* q) { return reinterpret_cast<uintptr_t>(q) % 16 == 0; }
bool vector_fits(const RowSpmm& p) { return p.width % kVec == 0 && aligned16(p.in); }  // stores are scalar
bool vector_fits(const SampledDotArgs& s) { return s.width % kVec == 0 && aligned16(s.h) && aligned16(s.v); }

// The lanes a nonzero takes in spmm_vector_kernel: the least power of two whose float4s cover the
// width, at most a warp.
int vector_group(int64_t width) {
  int group = 1;
  while (group < 32 && group * kVec < width) group <<= 1;
  return group;
}

// Which form of a sparse kernel runs: the block-a-row form for few long rows, otherwise a warp a
// row. `variable` (SPARSEREC_SPMM_KERNEL for the gather and the deterministic scatter,
// SPARSEREC_SDDMM_KERNEL for the sampled dot) = rows|split|vector forces one, for the variant sweep
// of tools/gpu_suite.sh (its bench stage runs the primitives once per form beside cuSPARSE) and
// the parity suite; `vector` falls back to `rows` where it does not fit. The float4 forms are not
// chosen by shape yet: they are meant for narrow rows (width at most 64, where a warp an entry
// leaves lanes idle or loads 2 floats a lane), but no GPU has timed them; the sweep is to set
// that rule.
enum class Form { rows, split, vector };
Form form_of(const char* variable, bool split, bool vector_fits) {
  if (const char* forced = std::getenv(variable); forced && *forced) {
    const std::string f = forced;
    if (f == "rows") return Form::rows;
    if (f == "split") return Form::split;
    if (f == "vector") return vector_fits ? Form::vector : Form::rows;
    throw ::sr::error(variable, "='", f, "': expected rows, split or vector");
  }
  return split ? Form::split : Form::rows;
}

void spmm(const RowSpmm& p, int64_t nnz, const OpContext& ctx) {
  switch (form_of("SPARSEREC_SPMM_KERNEL", split_rows(p.rows, nnz), vector_fits(p))) {
    case Form::split:
      launch("spmm_split_rows_kernel", spmm_split_rows_kernel, static_cast<unsigned>(p.rows), dim3(32, kSplitWarps), 0,
             ctx, p);
      return;
    case Form::vector:
      launch("spmm_vector_kernel", spmm_vector_kernel, blocks_for(p.rows, kWarpsPerBlock), dim3(32, kWarpsPerBlock), 0,
             ctx, p, vector_group(p.width));
      return;
    case Form::rows:
      launch("spmm_rows_kernel", spmm_rows_kernel, blocks_for(p.rows, kWarpsPerBlock), dim3(32, kWarpsPerBlock), 0, ctx,
             p);
      return;
  }
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

void densify(const DensifyArgs& d, const OpContext& ctx) {
  if (d.a.rows == 0) return;
  launch("densify_kernel", densify_kernel, blocks_for(d.a.rows, kWarpsPerBlock), dim3(32, kWarpsPerBlock), 0, ctx, d);
}

void sampled_dot(const SampledDotArgs& s, const OpContext& ctx) {
  switch (form_of("SPARSEREC_SDDMM_KERNEL", split_rows(s.pattern.rows, s.pattern.nnz), vector_fits(s))) {
    case Form::split:
      launch("sampled_dot_split_kernel", sampled_dot_split_kernel, static_cast<unsigned>(s.pattern.rows),
             dim3(32, kSplitWarps), 0, ctx, s);
      return;
    case Form::vector:
      launch("sampled_dot_vector_kernel", sampled_dot_vector_kernel, blocks_for(s.pattern.rows, kWarpsPerBlock),
             dim3(32, kWarpsPerBlock), 0, ctx, s, vector_group(s.width));
      return;
    case Form::rows:
      launch("sampled_dot_kernel", sampled_dot_kernel, blocks_for(s.pattern.rows, kWarpsPerBlock),
             dim3(32, kWarpsPerBlock), 0, ctx, s);
      return;
  }
}

}  // namespace sr::SR_KERNEL_NS
