#include "engine/train/data_parallel.h"

#include <chrono>

#include "engine/error.h"

namespace sr {

void DataParallel::check() const {
  if (shards < 1) throw error("data-parallel: the number of shards must be at least 1, got ", shards);
  if (ranks() > 1 && shards != ranks())
    throw error("data-parallel: ", ranks(), " ranks train one shard each, so shards must be ", ranks(), ", got ", shards);
}

GradientExchange::GradientExchange(const std::vector<Param*>& params, Communicator* comm)
    : params_(params), comm_(comm), on_device_(comm && comm->device_memory() && !params.empty()) {
  int64_t n = 0;
  for (const Param* p : params_) n += p->rows * p->cols;
  if (on_device_) {
    bucket_ = Tensor(params_[0]->g.backend(), n, 1);
  } else {
    shard_.assign(static_cast<size_t>(n), 0.0f);
    sum_.assign(static_cast<size_t>(n), 0.0f);
  }
}

void GradientExchange::begin_step() { first_ = true; }

void GradientExchange::add_shard() {
  if (on_device_) {  // sum_ += g on the device, parameter by parameter into the bucket
    int64_t at = 0;
    for (Param* p : params_) {
      const int64_t n = p->rows * p->cols;
      Backend& be = p->g.backend();
      if (first_) {
        if (n) be.copy(bucket_.data() + at, p->g.data(), static_cast<size_t>(n) * sizeof(float));
      } else {
        be.axpby({n, 1.0f, p->g.data(), 1.0f, bucket_.data() + at});
      }
      p->g.fill_zero();
      at += n;
    }
    first_ = false;
    return;
  }
  size_t at = 0;
  for (Param* p : params_) {
    const size_t n = static_cast<size_t>(p->rows * p->cols);
    if (n) p->g.backend().download(shard_.data() + at, p->g.data(), n * sizeof(float));
    p->g.fill_zero();
    at += n;
  }
  if (first_) {
    sum_.swap(shard_);
  } else {
    for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += shard_[i];
  }
  first_ = false;
}

void GradientExchange::add_empty_shard() {
  if (on_device_) {
    if (first_) bucket_.fill_zero();
    first_ = false;
    return;
  }
  if (first_) {
    std::fill(sum_.begin(), sum_.end(), 0.0f);
  } else {
    for (float& v : sum_) v += 0.0f;  // as a peer's sum does: -0 becomes +0
  }
  first_ = false;
}

void GradientExchange::finish(double& loss) {
  SR_CHECK(!first_, "GradientExchange::finish() before any shard");
  if (on_device_) {  // NCCL, even on one rank (the GPU job's test of the path)
    const auto t0 = std::chrono::steady_clock::now();
    comm_->all_reduce_sum(bucket_.data(), bucket_.numel());
    comm_->all_reduce_sum(&loss, 1);
    wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int64_t at = 0;
    for (Param* p : params_) {
      const int64_t n = p->rows * p->cols;
      if (n) p->g.backend().copy(p->g.data(), bucket_.data() + at, static_cast<size_t>(n) * sizeof(float));
      p->touched_rows = nullptr;
      p->n_touched = 0;
      at += n;
    }
    return;
  }
  if (comm_ && comm_->size() > 1) {
    const auto t0 = std::chrono::steady_clock::now();
    comm_->all_reduce_sum(sum_.data(), static_cast<int64_t>(sum_.size()));
    comm_->all_reduce_sum(&loss, 1);
    wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  size_t at = 0;
  for (Param* p : params_) {
    const size_t n = static_cast<size_t>(p->rows * p->cols);
    if (n) p->g.backend().upload(p->g.data(), sum_.data() + at, n * sizeof(float));
    p->touched_rows = nullptr;  // every row: the shards' touched rows differ
    p->n_touched = 0;
    at += n;
  }
}

int64_t GradientExchange::bytes_per_step() const {
  if (on_device_) return bucket_.numel() * static_cast<int64_t>(sizeof(float));
  return comm_ && comm_->size() > 1 ? static_cast<int64_t>(sum_.size() * sizeof(float)) : 0;
}

}  // namespace sr
