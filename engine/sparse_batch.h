// A CSR batch on a backend, with the touched-columns transpose that the deterministic scatter and
// lazy (touched-rows-only) optimizer updates use. Built from a HostCsr.
#pragma once

#include "engine/csr.h"
#include "engine/tensor.h"

namespace sr {

class SparseBatch {
 public:
  SparseBatch() = default;
  SparseBatch(Backend& be, const HostCsr& h);
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t nnz() const { return nnz_; }
  int64_t n_touched() const { return touched_.numel(); }
  bool has_values() const { return !val_.empty() && val_.numel() > 0; }
  CsrView view(bool with_values = true) const;
  CsrView view_with(const float* values) const;  // the same pattern with other values (e.g. gradients)
  TouchedColumnsView touched_view() const;
  const int32_t* touched() const { return touched_.data(); }
  const float* values() const { return val_.data(); }

 private:
  int64_t rows_ = 0, cols_ = 0, nnz_ = 0;
  IndexArray row_ptr_, col_idx_, col_ptr_, row_idx_, src_, touched_;
  Tensor val_;
};

}  // namespace sr
