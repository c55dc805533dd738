// A CSR batch on a backend, with the touched-columns transpose that the deterministic scatter and
// lazy (touched-rows-only) optimizer updates use. Either owns its device arrays (built from a
// HostCsr) or views a streamed batch (data/batch_stream.h) encoded by encode_sparse_batch.
#pragma once

#include "engine/csr.h"
#include "engine/tensor.h"

namespace sr {

struct HostBatch;
struct DeviceBatch;

class SparseBatch {
 public:
  SparseBatch() = default;
  SparseBatch(Backend& be, const HostCsr& h);
  // A view of a streamed batch (its sparse batch number `which`, for batches that carry several);
  // valid while the stream keeps that batch.
  static SparseBatch view_of(const DeviceBatch& b, int which = 0);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t nnz() const { return nnz_; }
  int64_t n_touched() const { return n_touched_; }
  bool has_values() const { return val_ != nullptr && nnz_ > 0; }
  CsrView view(bool with_values = true) const;
  CsrView view_with(const float* values) const;  // the same pattern with other values (e.g. gradients)
  TouchedColumnsView touched_view() const;
  const int32_t* touched() const { return touched_; }
  const float* values() const { return val_; }

 private:
  int64_t rows_ = 0, cols_ = 0, nnz_ = 0, n_touched_ = 0;
  const int32_t *row_ptr_ = nullptr, *col_idx_ = nullptr, *col_ptr_ = nullptr, *row_idx_ = nullptr, *src_ = nullptr,
                *touched_ = nullptr;
  const float* val_ = nullptr;
  std::vector<IndexArray> owned_index_;  // when built from a HostCsr
  Tensor owned_val_;
};

// The batch as stream fields: ints {row_ptr, col_idx, col_ptr, row_idx, src, touched}, floats
// {values} (empty when all ones), shape {rows, cols}; as sparse batch number `which` of `out`
// (the fields of batch 0 first, then batch 1's, ...).
void encode_sparse_batch(const HostCsr& h, HostBatch& out, int which = 0);

}  // namespace sr
