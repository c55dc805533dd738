#include "kernels/csr.h"

#include "kernels/error.h"

namespace sr {

void HostCsr::validate(const char* what) const {
  if (static_cast<int64_t>(row_ptr.size()) != rows + 1 || row_ptr.front() != 0 || row_ptr.back() != nnz())
    throw error(what, ": row pointer array is inconsistent with ", rows, " rows and ", nnz(), " nonzeros");
  if (!val.empty() && static_cast<int64_t>(val.size()) != nnz())
    throw error(what, ": ", val.size(), " values for ", nnz(), " nonzeros");
  for (int64_t r = 0; r < rows; ++r)
    if (row_ptr[r + 1] < row_ptr[r]) throw error(what, ": row pointers decrease at row ", r);
  for (int64_t k = 0; k < nnz(); ++k)
    if (col_idx[k] < 0 || col_idx[k] >= cols)
      throw error(what, ": column ", col_idx[k], " of nonzero ", k, " is outside [0, ", cols, ")");
}

HostCsr transpose(const HostCsr& a) {
  HostCsr t;
  t.rows = a.cols;
  t.cols = a.rows;
  t.row_ptr.assign(static_cast<size_t>(a.cols) + 1, 0);
  for (int32_t c : a.col_idx) ++t.row_ptr[c + 1];
  for (int64_t c = 0; c < a.cols; ++c) t.row_ptr[c + 1] += t.row_ptr[c];
  t.col_idx.resize(a.col_idx.size());
  if (!a.val.empty()) t.val.resize(a.val.size());
  std::vector<int32_t> fill(t.row_ptr.begin(), t.row_ptr.end() - 1);
  for (int64_t r = 0; r < a.rows; ++r)
    for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      const int32_t pos = fill[a.col_idx[k]]++;
      t.col_idx[pos] = static_cast<int32_t>(r);
      if (!a.val.empty()) t.val[pos] = a.val[k];
    }
  return t;
}

HostTouchedColumns touched_columns(const HostCsr& a) {
  std::vector<int32_t> count(static_cast<size_t>(a.cols), 0);
  for (int32_t c : a.col_idx) ++count[c];
  HostTouchedColumns t;
  std::vector<int32_t> slot(static_cast<size_t>(a.cols), -1);
  for (int64_t c = 0; c < a.cols; ++c) {
    if (count[c] == 0) continue;
    slot[c] = static_cast<int32_t>(t.touched.size());
    t.touched.push_back(static_cast<int32_t>(c));
    t.col_ptr.push_back(t.col_ptr.back() + count[c]);
  }
  t.row_idx.resize(a.col_idx.size());
  t.src.resize(a.col_idx.size());
  std::vector<int32_t> fill(t.col_ptr.begin(), t.col_ptr.end() - 1);
  for (int64_t r = 0; r < a.rows; ++r) {
    for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      const int32_t pos = fill[slot[a.col_idx[k]]]++;
      t.row_idx[pos] = static_cast<int32_t>(r);
      t.src[pos] = k;
    }
  }
  return t;
}

HostCsr select_rows(const HostCsr& a, const std::vector<int32_t>& rows) {
  HostCsr out;
  out.rows = static_cast<int64_t>(rows.size());
  out.cols = a.cols;
  for (int32_t r : rows) {
    for (int32_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) {
      out.col_idx.push_back(a.col_idx[k]);
      if (!a.val.empty()) out.val.push_back(a.val[k]);
    }
    out.row_ptr.push_back(static_cast<int32_t>(out.col_idx.size()));
  }
  return out;
}

}  // namespace sr
