// GPU microbenchmark of the sparse primitives beside the libraries a user would otherwise call
// (cuSPARSE SpMM and SDDMM, cuBLAS on the densified input), all timed with CUDA events on one
// stream: medians over `reps` runs after a warm-up. Built for the GPU only; used by
// tests/bench_ops, which checks the outputs returned here against the CPU reference.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/csr.h"

namespace sr {

struct GpuPrimitiveTimes {
  double gather_ms = -1, scatter_deterministic_ms = -1, scatter_atomic_ms = -1, sampled_dot_ms = -1;
  double cusparse_spmm_ms = -1, cusparse_sddmm_ms = -1, cublas_dense_ms = -1;  // -1: not run
  double copy_bandwidth_gbs = 0;  // measured device-to-device copy bandwidth (read + write)
  double max_abs_diff_spmm = 0;   // ours vs cuSPARSE on the same input: the benchmark checks itself
  // Our outputs for the reference check: Y = A·W (gather), dW = Aᵀ·D from zero (the deterministic
  // scatter), z = (D·Wᵀ) at A's pattern (sampled dot).
  std::vector<float> gather_out, scatter_out, sampled_dot_out;
};

// A's values (ones when it has none), W (a.cols x width) and D (a.rows x width) as given.
GpuPrimitiveTimes bench_gpu_primitives(int device, const HostCsr& a, const std::vector<float>& w,
                                       const std::vector<float>& d, int64_t width, int reps);

}  // namespace sr
