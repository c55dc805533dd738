// The three sparse primitives that carry every model (DESIGN.md §1), as argument structs shared by
// the CPU reference (kernels/cpu/sparse_ref.cpp) and the CUDA kernels (kernels/cuda/*.cu). All
// pointers are on the backend's device; matrices are dense row-major; indices are int32.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace sr {

// A CSR matrix on the device. `val == nullptr` means every stored value is 1 (one-hot rows).
struct CsrView {
  const int32_t* row_ptr = nullptr;  // rows + 1 entries
  const int32_t* col_idx = nullptr;  // nnz entries, each in [0, cols)
  const float* val = nullptr;        // nnz entries or null
  int64_t rows = 0, cols = 0, nnz = 0;
};

// The transpose of a CSR pattern restricted to the columns that occur ("touched"): entry e of
// touched column t is original nonzero src[e], in row `row_idx[e]`; entries of a column are in
// increasing original order, which makes the deterministic scatter add in the reference's order.
struct TouchedColumnsView {
  const int32_t* col_ptr = nullptr;  // n_touched + 1 entries
  const int32_t* row_idx = nullptr;  // nnz entries
  const int32_t* src = nullptr;      // nnz entries: index of the nonzero in the CSR
  const int32_t* touched = nullptr;  // n_touched column ids, increasing
  int64_t n_touched = 0;
};

// gather (SpMM):  Y[out(r), :] = act(Σ_k val_k · W[col_k, :] + bias) (+ Y[out(r), :] if accumulate)
// out(r) = out_rows[r] when out_rows is given, else r. Y has `width` columns, W has `width` columns.
struct GatherArgs {
  CsrView a;
  const float* w = nullptr;
  int64_t width = 0;
  const float* bias = nullptr;  // width entries or null
  Act act = Act::identity;
  bool accumulate = false;  // add to Y instead of overwriting (no bias or activation then)
  const int32_t* out_rows = nullptr;
  float* y = nullptr;
};

// deterministic: no float atomics, each row summed in the CSR's order (bit-reproducible);
// atomic: a faster path where the GPU has one. The reference is always deterministic.
enum class ScatterMode : int { deterministic = 0, atomic = 1 };

// scatter (SpMMᵀ):  dW[j, :] += Σ_{k : col_k = j} vals_k · D[row_k, :], only for touched rows j.
// `vals` is per nonzero (the batch values, or a gradient of sparse scores); null means ones.
struct ScatterArgs {
  CsrView a;  // pattern; a.val is ignored in favour of `vals`
  TouchedColumnsView at;
  const float* vals = nullptr;
  const float* d = nullptr;  // a.rows x width
  int64_t width = 0;
  float* dw = nullptr;  // a.cols x width
  ScatterMode mode = ScatterMode::deterministic;
};

// sampled dot (SDDMM):  z_k = act(⟨H[row_k, :], V[col_k, :]⟩ + c[col_k]) for the listed pairs only.
struct SampledDotArgs {
  CsrView pattern;           // which (row, col) pairs; val ignored
  const float* h = nullptr;  // pattern.rows x width
  const float* v = nullptr;  // pattern.cols x width
  int64_t width = 0;
  const float* c = nullptr;  // pattern.cols entries or null
  Act act = Act::identity;
  float* z = nullptr;  // nnz entries
};

// densify:  Y[r, c] = Σ_{k in row r : col_k = c} val_k (1 where val is null) for every c < a.cols,
// the whole rows x a.cols block written (zero where row r has no nonzero), its rows ldy ≥ a.cols
// floats apart, so that it may be a column range of a wider matrix (a GAN discriminator's input:
// a user's purchases beside the generator's vector).
struct DensifyArgs {
  CsrView a;
  float* y = nullptr;
  int64_t ldy = 0;
};

}  // namespace sr
