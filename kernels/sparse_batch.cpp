#include "kernels/sparse_batch.h"

#include "kernels/batch_fields.h"

#include <algorithm>

namespace sr {

int64_t shared_row_columns(const HostCsr& h) {
  if (h.rows == 0) return 0;
  const int32_t len = h.row_ptr[1];
  if (len == 0) return 0;
  for (int64_t r = 1; r < h.rows; ++r) {
    if (h.row_ptr[r + 1] - h.row_ptr[r] != len) return 0;
    if (!std::equal(h.col_idx.begin() + h.row_ptr[r], h.col_idx.begin() + h.row_ptr[r + 1], h.col_idx.begin()))
      return 0;
  }
  return len;
}

namespace {
// The stream fields of h (see encode_sparse_batch), validated.
std::vector<std::vector<int32_t>> index_fields(const HostCsr& h, int64_t& block_cols, bool block_transpose) {
  h.validate("sparse batch");  // a malformed CSR would make every kernel read out of bounds
  std::vector<std::vector<int32_t>> f(kSparseBatchInts);
  f[0] = h.row_ptr, f[1] = h.col_idx;
  block_cols = shared_row_columns(h);
  if (block_cols == 0 || block_transpose) {
    HostTouchedColumns t = touched_columns(h);
    f[2] = std::move(t.col_ptr), f[3] = std::move(t.row_idx), f[4] = std::move(t.src), f[5] = std::move(t.touched);
  }  // else: a sampled output's block goes without it (see encode_sparse_batch)
  if (block_cols > 0) {
    HostCsr row;
    row.rows = block_cols, row.cols = h.cols;
    row.col_idx.assign(h.col_idx.begin(), h.col_idx.begin() + block_cols);
    row.row_ptr.resize(static_cast<size_t>(block_cols) + 1);
    for (int64_t l = 0; l <= block_cols; ++l) row.row_ptr[l] = static_cast<int32_t>(l);
    HostTouchedColumns b = touched_columns(row);
    f[6] = std::move(row.row_ptr);
    f[7] = std::move(b.col_ptr), f[8] = std::move(b.row_idx), f[9] = std::move(b.src), f[10] = std::move(b.touched);
  }
  return f;
}
}  // namespace

void SparseBatch::set_arrays(const std::vector<const int32_t*>& a, const std::vector<int64_t>& sizes) {
  row_ptr_ = a[0], col_idx_ = a[1], col_ptr_ = a[2], row_idx_ = a[3], src_ = a[4], touched_ = a[5];
  n_touched_ = sizes[5];
  if (block_cols_ > 0) {
    block_row_ptr_ = a[6], block_col_ptr_ = a[7], block_row_idx_ = a[8], block_src_ = a[9], block_touched_ = a[10];
    n_block_touched_ = sizes[10];
    transposed_ = sizes[2] > 0;  // a transpose's col_ptr has cols + 1 entries
    if (!transposed_) touched_ = block_touched_, n_touched_ = n_block_touched_;  // the same touched columns
  }
}

SparseBatch::SparseBatch(Backend& be, const HostCsr& h) : rows_(h.rows), cols_(h.cols), nnz_(h.nnz()) {
  const auto fields = index_fields(h, block_cols_, true);
  std::vector<const int32_t*> ptrs;
  std::vector<int64_t> sizes;
  for (const auto& v : fields) {
    owned_index_.push_back(IndexArray::from_host(be, v));
    ptrs.push_back(owned_index_.back().data()), sizes.push_back(owned_index_.back().numel());
  }
  set_arrays(ptrs, sizes);
  if (!h.val.empty()) {
    owned_val_ = Tensor::from_host(be, h.val);
    val_ = owned_val_.data();
  }
}

void encode_sparse_batch(const HostCsr& h, HostBatch& out, int which, bool block_transpose) {
  int64_t block_cols = 0;
  auto fields = index_fields(h, block_cols, block_transpose);
  const auto i0 = static_cast<size_t>(kSparseBatchInts * which), f0 = static_cast<size_t>(which),
             s0 = static_cast<size_t>(kSparseBatchShape * which);
  out.ints.resize(std::max(out.ints.size(), i0 + kSparseBatchInts));
  out.floats.resize(std::max(out.floats.size(), f0 + 1));
  out.shape.resize(std::max(out.shape.size(), s0 + kSparseBatchShape));
  for (size_t i = 0; i < fields.size(); ++i) out.ints[i0 + i] = std::move(fields[i]);
  out.floats[f0] = h.val;
  out.shape[s0] = h.rows, out.shape[s0 + 1] = h.cols, out.shape[s0 + 2] = block_cols;
}

SparseBatch SparseBatch::view_of(const DeviceBatch& b, int which) {
  const auto i0 = static_cast<size_t>(kSparseBatchInts * which), f0 = static_cast<size_t>(which),
             s0 = static_cast<size_t>(kSparseBatchShape * which);
  SR_CHECK(
      b.ints.size() >= i0 + kSparseBatchInts && b.floats.size() >= f0 + 1 && b.shape.size() >= s0 + kSparseBatchShape,
      "not a sparse batch ", which);
  SparseBatch s;
  s.rows_ = b.shape[s0], s.cols_ = b.shape[s0 + 1], s.block_cols_ = b.shape[s0 + 2], s.nnz_ = b.int_sizes[i0 + 1];
  s.set_arrays(std::vector<const int32_t*>(b.ints.begin() + static_cast<ptrdiff_t>(i0),
                                           b.ints.begin() + static_cast<ptrdiff_t>(i0 + kSparseBatchInts)),
               std::vector<int64_t>(b.int_sizes.begin() + static_cast<ptrdiff_t>(i0),
                                    b.int_sizes.begin() + static_cast<ptrdiff_t>(i0 + kSparseBatchInts)));
  s.val_ = b.float_sizes[f0] > 0 ? b.floats[f0] : nullptr;
  return s;
}

CsrView SparseBatch::view(bool with_values) const { return view_with(with_values ? val_ : nullptr); }
CsrView SparseBatch::view_with(const float* values) const { return {row_ptr_, col_idx_, values, rows_, cols_, nnz_}; }
TouchedColumnsView SparseBatch::touched_view() const {
  SR_CHECK(transposed_,
           "this block batch was encoded as an output, without its transpose: scatter through block_row() and "
           "block_touched_view()");
  return {col_ptr_, row_idx_, src_, touched_, n_touched_};
}

}  // namespace sr
