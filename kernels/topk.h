// Batched top-K with exclusion: for each row of a dense score matrix, the k best columns, best
// first, skipping the row's excluded columns (a user's training items). Shared by the CPU reference
// (kernels/cpu/topk_ref.cpp) and the CUDA kernel (kernels/cuda/topk.cu).
#pragma once

#include <cstdint>

namespace sr {

// Order: higher score first; equal scores by lower column index. NaN scores are never selected.
// A row with fewer than k selectable columns fills the rest with index -1 and score -inf.
struct TopKArgs {
  int64_t rows = 0, cols = 0;
  const float* scores = nullptr;           // score(r, c) = scores[r · row_stride + c · col_stride]
  int64_t row_stride = 0, col_stride = 1;  // row_stride 0 means cols (row-major); a transposed
                                           // matrix is row_stride 1, col_stride = its row count
  const int32_t* exclude_ptr = nullptr;    // rows + 1 entries, or null for no exclusions
  const int32_t* exclude_cols = nullptr;   // each row's excluded columns, sorted ascending
  int k = 0;
  int32_t* out_index = nullptr;  // rows x k
  float* out_score = nullptr;    // rows x k
};

}  // namespace sr
