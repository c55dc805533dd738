// A CSR batch on a backend, with the touched-columns transpose that the deterministic scatter and
// lazy (touched-rows-only) optimizer updates use. Either owns its device arrays (built from a
// HostCsr) or views a streamed batch (kernels/batch_stream.h) encoded by encode_sparse_batch.
#pragma once

#include "kernels/csr.h"
#include "kernels/device_array.h"

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
  CsrView view(bool with_values = true) const;
  CsrView view_with(const float* values) const;  // the same pattern with other values (e.g. gradients)
  TouchedColumnsView touched_view() const;
  const int32_t* touched() const { return touched_; }
  const float* values() const { return val_; }

  // A block: every row lists the same `block_cols()` columns in the same order (0: not a block) —
  // a sampled output where each row scores one shared list of candidates, whose scores are then a
  // rows x block_cols matrix (in CSR order) made by GEMMs instead of per-pair dot products.
  int64_t block_cols() const { return block_cols_; }
  // The shared list as one-hot rows (block_cols x cols), and its touched-columns transpose.
  CsrView block_row() const { return {block_row_ptr_, col_idx_, nullptr, block_cols_, cols_, block_cols_}; }
  TouchedColumnsView block_touched_view() const {
    return {block_col_ptr_, block_row_idx_, block_src_, block_touched_, n_block_touched_};
  }

 private:
  void set_arrays(const std::vector<const int32_t*>& ints, const std::vector<int64_t>& sizes);
  int64_t rows_ = 0, cols_ = 0, nnz_ = 0, n_touched_ = 0, block_cols_ = 0, n_block_touched_ = 0;
  bool transposed_ = true;  // false: a block encoded without the whole pattern's transpose
  const int32_t *row_ptr_ = nullptr, *col_idx_ = nullptr, *col_ptr_ = nullptr, *row_idx_ = nullptr, *src_ = nullptr,
                *touched_ = nullptr;
  const int32_t *block_row_ptr_ = nullptr, *block_col_ptr_ = nullptr, *block_row_idx_ = nullptr, *block_src_ = nullptr,
                *block_touched_ = nullptr;
  const float* val_ = nullptr;
  std::vector<IndexArray> owned_index_;  // when built from a HostCsr
  Tensor owned_val_;
};

// The batch as stream fields: ints {row_ptr, col_idx, col_ptr, row_idx, src, touched, and for a
// block the shared row's row_ptr, col_ptr, row_idx, src, touched (empty otherwise)}, floats
// {values} (empty when all ones), shape {rows, cols, block_cols}; as sparse batch number `which`
// of `out` (the fields of batch 0 first, then batch 1's, ...).
constexpr int kSparseBatchInts = 11, kSparseBatchShape = 3;
// block_transpose false: a block (a sampled output pattern) goes without the whole pattern's
// transpose (col_ptr ... touched empty), which only a scatter over every entry needs — a block's
// gradients go through its shared row instead. That transpose has rows x block_cols entries,
// sorted on the host and uploaded every step: at batch 256 with 2048 samples it was most of a
// GRU4Rec step on a GPU. touched_view() then refuses; touched() is the shared row's.
void encode_sparse_batch(const HostCsr& h, HostBatch& out, int which = 0, bool block_transpose = true);
// The number of columns every row of h shares when h is a block (see SparseBatch), else 0.
int64_t shared_row_columns(const HostCsr& h);

}  // namespace sr
