#include "engine/sparse_batch.h"

namespace sr {

SparseBatch::SparseBatch(Backend& be, const HostCsr& h) : rows_(h.rows), cols_(h.cols), nnz_(h.nnz()) {
  const HostTouchedColumns t = touched_columns(h);
  row_ptr_ = IndexArray::from_host(be, h.row_ptr);
  col_idx_ = IndexArray::from_host(be, h.col_idx);
  if (!h.val.empty()) val_ = Tensor::from_host(be, h.val);
  col_ptr_ = IndexArray::from_host(be, t.col_ptr);
  row_idx_ = IndexArray::from_host(be, t.row_idx);
  src_ = IndexArray::from_host(be, t.src);
  touched_ = IndexArray::from_host(be, t.touched);
}

CsrView SparseBatch::view(bool with_values) const {
  return view_with(with_values && !val_.empty() ? val_.data() : nullptr);
}
CsrView SparseBatch::view_with(const float* values) const {
  return {row_ptr_.data(), col_idx_.data(), values, rows_, cols_, nnz_};
}
TouchedColumnsView SparseBatch::touched_view() const {
  return {col_ptr_.data(), row_idx_.data(), src_.data(), touched_.data(), touched_.numel()};
}

}  // namespace sr
