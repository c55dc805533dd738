// A sparse matrix in host memory (CSR), and its transpose restricted to the columns that occur,
// which the deterministic scatter and lazy optimizers need (kernels/sparse.h).
#pragma once

#include <cstdint>
#include <vector>

namespace sr {

struct HostCsr {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> row_ptr{0};
  std::vector<int32_t> col_idx;
  std::vector<float> val;  // empty means all ones
  int64_t nnz() const { return static_cast<int64_t>(col_idx.size()); }
  // Throws sr::Error if row_ptr is not monotone from 0 to nnz or a column is out of range.
  void validate(const char* what) const;
};

struct HostTouchedColumns {
  std::vector<int32_t> col_ptr{0}, row_idx, src, touched;
};

// The transpose (cols x rows); each row of the result lists its columns in increasing order.
HostCsr transpose(const HostCsr& a);

// Entries of each touched column in increasing CSR order; columns in increasing id order.
HostTouchedColumns touched_columns(const HostCsr& a);

// The rows `rows` of `a`, in that order, as a new CSR.
HostCsr select_rows(const HostCsr& a, const std::vector<int32_t>& rows);

}  // namespace sr
