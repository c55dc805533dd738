#include "engine/sparse_batch.h"

#include "engine/batch_fields.h"

#include <algorithm>

namespace sr {

SparseBatch::SparseBatch(Backend& be, const HostCsr& h) : rows_(h.rows), cols_(h.cols), nnz_(h.nnz()) {
  h.validate("sparse batch");  // a malformed CSR would make every kernel read out of bounds
  const HostTouchedColumns t = touched_columns(h);
  for (const auto* v : {&h.row_ptr, &h.col_idx, &t.col_ptr, &t.row_idx, &t.src, &t.touched})
    owned_index_.push_back(IndexArray::from_host(be, *v));
  row_ptr_ = owned_index_[0].data(), col_idx_ = owned_index_[1].data(), col_ptr_ = owned_index_[2].data();
  row_idx_ = owned_index_[3].data(), src_ = owned_index_[4].data(), touched_ = owned_index_[5].data();
  n_touched_ = owned_index_[5].numel();
  if (!h.val.empty()) {
    owned_val_ = Tensor::from_host(be, h.val);
    val_ = owned_val_.data();
  }
}

void encode_sparse_batch(const HostCsr& h, HostBatch& out, int which) {
  h.validate("sparse batch");
  HostTouchedColumns t = touched_columns(h);
  const auto i0 = static_cast<size_t>(6 * which), f0 = static_cast<size_t>(which), s0 = static_cast<size_t>(2 * which);
  out.ints.resize(std::max(out.ints.size(), i0 + 6));
  out.floats.resize(std::max(out.floats.size(), f0 + 1));
  out.shape.resize(std::max(out.shape.size(), s0 + 2));
  out.ints[i0] = h.row_ptr, out.ints[i0 + 1] = h.col_idx;
  out.ints[i0 + 2] = std::move(t.col_ptr), out.ints[i0 + 3] = std::move(t.row_idx);
  out.ints[i0 + 4] = std::move(t.src), out.ints[i0 + 5] = std::move(t.touched);
  out.floats[f0] = h.val;
  out.shape[s0] = h.rows, out.shape[s0 + 1] = h.cols;
}

SparseBatch SparseBatch::view_of(const DeviceBatch& b, int which) {
  const auto i0 = static_cast<size_t>(6 * which), f0 = static_cast<size_t>(which), s0 = static_cast<size_t>(2 * which);
  SR_CHECK(b.ints.size() >= i0 + 6 && b.floats.size() >= f0 + 1 && b.shape.size() >= s0 + 2, "not a sparse batch ", which);
  SparseBatch s;
  s.rows_ = b.shape[s0], s.cols_ = b.shape[s0 + 1], s.nnz_ = b.int_sizes[i0 + 1], s.n_touched_ = b.int_sizes[i0 + 5];
  s.row_ptr_ = b.ints[i0], s.col_idx_ = b.ints[i0 + 1], s.col_ptr_ = b.ints[i0 + 2];
  s.row_idx_ = b.ints[i0 + 3], s.src_ = b.ints[i0 + 4], s.touched_ = b.ints[i0 + 5];
  s.val_ = b.float_sizes[f0] > 0 ? b.floats[f0] : nullptr;
  return s;
}

CsrView SparseBatch::view(bool with_values) const { return view_with(with_values ? val_ : nullptr); }
CsrView SparseBatch::view_with(const float* values) const { return {row_ptr_, col_idx_, values, rows_, cols_, nnz_}; }
TouchedColumnsView SparseBatch::touched_view() const { return {col_ptr_, row_idx_, src_, touched_, n_touched_}; }

}  // namespace sr
