#include "engine/net/loss_queue.h"

#include <algorithm>

#include "kernels/error.h"

namespace sr {

LossQueue::~LossQueue() {
  // Copies still in flight write into these buffers: let them land before they are freed.
  if (!pending_.empty()) {
    try {
      be_->synchronize();
    } catch (...) {  // a destructor must not throw; the process is tearing the device down anyway
    }
  }
  for (auto* list : {&open_, &free_}) {
    for (const Term& t : *list) be_->release_pinned(t.pinned, static_cast<size_t>(t.capacity) * sizeof(float));
  }
  for (const Pending& p : pending_)
    for (const Term& t : p.terms) be_->release_pinned(t.pinned, static_cast<size_t>(t.capacity) * sizeof(float));
  for (auto& [id, terms] : captured_) release(terms);
  release(open_captured_);
}

void LossQueue::release(std::vector<DeviceTerm>& terms) {
  for (const DeviceTerm& t : terms) be_->release(t.values, static_cast<size_t>(t.n) * sizeof(float));
  terms.clear();
}

float* LossQueue::pinned(int64_t n, int64_t* capacity) {
  const auto it = std::find_if(free_.begin(), free_.end(), [&](const Term& t) { return t.capacity >= n; });
  if (it != free_.end()) {
    float* p = it->pinned;
    *capacity = it->capacity;
    free_.erase(it);
    return p;
  }
  *capacity = std::max<int64_t>(n, 64);  // room for the next batches' rows too
  return static_cast<float*>(be_->allocate_pinned(static_cast<size_t>(*capacity) * sizeof(float)));
}

void LossQueue::add(const float* device_values, int64_t n, double scale) {
  if (be_->capturing()) {
    DeviceTerm t{static_cast<float*>(be_->allocate(static_cast<size_t>(n) * sizeof(float))), n, scale};
    if (n > 0) be_->copy(t.values, device_values, static_cast<size_t>(n) * sizeof(float));
    open_captured_.push_back(t);
    return;
  }
  Term t{nullptr, n, 0, scale};
  t.pinned = pinned(n, &t.capacity);
  if (n > 0) be_->download_async(t.pinned, device_values, static_cast<size_t>(n) * sizeof(float));
  open_.push_back(t);
}

LossTicket LossQueue::take() {
  if (be_->capturing()) {
    captured_[++next_id_] = std::move(open_captured_);
    open_captured_.clear();
    return {next_id_};
  }
  release(open_captured_);  // terms of a capture that failed part way (it took no ticket)
  Pending p{++next_id_, be_->record(Backend::Lane::compute), std::move(open_)};
  open_.clear();
  pending_.push_back(std::move(p));
  return {next_id_};
}

LossTicket LossQueue::replayed(LossTicket captured) {
  const auto it = captured_.find(captured.id);
  SR_CHECK(it != captured_.end(), "loss ticket ", captured.id, " was not taken during a capture");
  for (const DeviceTerm& t : it->second) add(t.values, t.n, t.scale);
  return take();
}

void LossQueue::forget(LossTicket captured) {
  const auto it = captured_.find(captured.id);
  if (it == captured_.end()) return;
  release(it->second);
  captured_.erase(it);
}

std::optional<double> LossQueue::read(LossTicket ticket, bool wait) {
  const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.id == ticket.id; });
  SR_CHECK(it != pending_.end(), "loss ticket ", ticket.id,
           " was read already or never taken (a captured ticket is read through `replayed`)");
  if (!be_->reached(it->marker)) {
    if (!wait) return std::nullopt;
    be_->host_wait(it->marker);
  }
  double loss = 0.0;
  for (const Term& t : it->terms) {
    double sum = 0.0;
    for (int64_t i = 0; i < t.n; ++i) sum += t.pinned[i];
    loss += t.scale * sum;
    free_.push_back(t);
  }
  pending_.erase(it);
  return loss;
}

}  // namespace sr
