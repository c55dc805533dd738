#include "engine/net/exec_state.h"

#include <algorithm>
#include <vector>

namespace sr {

namespace {
// The size a constant grows to when n are asked for: at least a thousand, then doubling, so that a
// training step (whose sizes vary from batch to batch) seldom waits for an upload.
int64_t grown(int64_t have, int64_t n) { return std::max({n, 2 * have, int64_t{1024}}); }
}  // namespace

const Tensor& DeviceConstants::ones(int64_t n) {
  if (ones_.empty() || ones_.numel() < n) {
    const int64_t size = grown(ones_.numel(), n);
    ones_ = Tensor::from_host(*be_, std::vector<float>(static_cast<size_t>(size), 1.0f));
  }
  return ones_;
}

const IndexArray& DeviceConstants::arange(int64_t n) {
  if (arange_.empty() || arange_.numel() < n + 1) {
    std::vector<int32_t> v(static_cast<size_t>(grown(arange_.numel(), n + 1)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int32_t>(i);
    arange_ = IndexArray::from_host(*be_, v);
  }
  return arange_;
}

const IndexArray& DeviceConstants::zero_indices(int64_t n) {
  if (zeros_.empty() || zeros_.numel() < n) zeros_ = IndexArray::zeros(*be_, grown(zeros_.numel(), n), 1);
  return zeros_;
}

CsrView DeviceConstants::diagonal(int64_t n) {
  const IndexArray& a = arange(n);
  return CsrView{a.data(), a.data(), nullptr, n, n, n};  // row_ptr 0..n and col_idx 0..n-1 share one array
}

Tensor& LayerState::scratch(const Layer& l, int key, int64_t rows, int64_t cols) {
  Tensor& t = tensors_[{&l, key, slot_}];
  if (t.empty() || t.rows() != rows || t.cols() != cols) t = Tensor::zeros(*be_, rows, cols);
  return t;
}

Tensor* LayerState::find(const Layer& l, int key) {
  auto it = tensors_.find({&l, key, slot_});
  return it == tensors_.end() || it->second.empty() ? nullptr : &it->second;
}

void LayerState::clear() {
  for (auto& [key, t] : tensors_) t = Tensor();
  words_.clear();
}

}  // namespace sr
