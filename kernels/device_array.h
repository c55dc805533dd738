// Arrays on a backend's device. A DeviceArray knows its backend and frees itself through it; copies
// share the storage (like a shared_ptr). Matrices are row-major with `rows` x `cols` elements.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "kernels/error.h"

namespace sr {

template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(Backend& be, int64_t rows, int64_t cols)
      : storage_(std::make_shared<Storage>(be, static_cast<size_t>(rows * cols) * sizeof(T))),
        rows_(rows),
        cols_(cols) {}
  static DeviceArray zeros(Backend& be, int64_t rows, int64_t cols) {
    DeviceArray a(be, rows, cols);
    a.fill_zero();
    return a;
  }
  static DeviceArray from_host(Backend& be, const std::vector<T>& host, int64_t rows, int64_t cols) {
    SR_CHECK(static_cast<int64_t>(host.size()) == rows * cols, "host vector of ", host.size(), " for ", rows, "x",
             cols);
    DeviceArray a(be, rows, cols);
    a.upload(host);
    return a;
  }
  static DeviceArray from_host(Backend& be, const std::vector<T>& host) {
    return from_host(be, host, static_cast<int64_t>(host.size()), 1);
  }

  bool empty() const { return !storage_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t numel() const { return rows_ * cols_; }
  size_t bytes() const { return static_cast<size_t>(numel()) * sizeof(T); }
  T* data() const { return storage_ && numel() ? static_cast<T*>(storage_->p) : nullptr; }
  Backend& backend() const { return *storage_->be; }

  void upload(const std::vector<T>& host) {
    SR_CHECK(static_cast<int64_t>(host.size()) == numel(), "upload of ", host.size(), " into ", numel());
    backend().upload(storage_->p, host.data(), bytes());
  }
  std::vector<T> to_host() const {
    std::vector<T> h(static_cast<size_t>(numel()));
    if (numel()) backend().download(h.data(), storage_->p, bytes());
    return h;
  }
  void fill_zero() {
    if (!numel()) return;
    if constexpr (std::is_same_v<T, float>) {
      backend().axpby({.n = numel(), .a = 0.0f, .x = nullptr, .b = 0.0f, .y = data()});
    } else {
      upload(std::vector<T>(static_cast<size_t>(numel()), T{}));
    }
  }
  void copy_from(const DeviceArray& other) {
    SR_CHECK(other.numel() == numel(), "copy of ", other.numel(), " into ", numel());
    if (numel()) backend().copy(storage_->p, other.storage_->p, bytes());
  }

 private:
  struct Storage {
    Storage(Backend& b, size_t n) : be(&b), p(b.allocate(n)), bytes(n) {}
    ~Storage() { be->release(p, bytes); }
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    Backend* be;
    void* p;
    size_t bytes;
  };
  std::shared_ptr<Storage> storage_;
  int64_t rows_ = 0, cols_ = 0;
};

using Tensor = DeviceArray<float>;
using IndexArray = DeviceArray<int32_t>;

}  // namespace sr
