#include "kernels/batch_stream.h"

#include <cstring>

#include "kernels/error.h"

namespace sr {

BatchStream::BatchStream(Backend& be, Make make) : be_(be), make_(std::move(make)) {
  loader_ = std::thread([this] { load(); });
}

BatchStream::~BatchStream() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  loader_.join();
  be_.synchronize();  // no upload or compute may still touch the buffers freed below
  for (Slot& s : slots_) {
    be_.host_wait(s.uploaded);
    for (size_t f = 0; f < s.pinned.size(); ++f) be_.release_pinned(s.pinned[f], s.pinned_bytes[f]);
    for (size_t f = 0; f < s.device.size(); ++f) be_.release(s.device[f], s.device_bytes[f]);
  }
}

void BatchStream::grow(void*& p, size_t& have, size_t need, bool pinned) {
  if (need <= have && p) return;
  const size_t bytes = std::max(need, have + have / 2);  // geometric: a few growths per run
  if (p) pinned ? be_.release_pinned(p, have) : be_.release(p, have);
  p = pinned ? be_.allocate_pinned(bytes) : be_.allocate(bytes);
  have = bytes;
}

// Copies the host batch into the slot's pinned buffers and issues the uploads. The slot's previous
// batch is done with: its upload finished (the pinned memory is free) and the compute lane has
// passed its `consumed` marker (the device memory is free), which the copy lane waits for.
void BatchStream::stage(Slot& s) {
  const HostBatch& h = s.host;
  const size_t fields = h.ints.size() + h.floats.size();
  s.pinned.resize(fields, nullptr), s.device.resize(fields, nullptr);
  s.pinned_bytes.resize(fields, 0), s.device_bytes.resize(fields, 0);
  be_.host_wait(s.uploaded, Backend::Waiter::loader);  // the pinned buffers are about to be overwritten
  // A device buffer that must grow is freed first: only then does the host wait for the compute
  // lane to be done with the slot's previous batch. Otherwise the copy lane waits on the device.
  bool grows = false;
  for (size_t f = 0; f < fields; ++f)
    grows |= (f < h.ints.size() ? h.ints[f].size() : h.floats[f - h.ints.size()].size()) * 4 > s.device_bytes[f];
  if (grows) be_.host_wait(s.consumed, Backend::Waiter::loader);
  be_.wait(Backend::Lane::copy, s.consumed);
  s.view.ints.assign(h.ints.size(), nullptr), s.view.int_sizes.assign(h.ints.size(), 0);
  s.view.floats.assign(h.floats.size(), nullptr), s.view.float_sizes.assign(h.floats.size(), 0);
  for (size_t f = 0; f < fields; ++f) {
    const bool is_int = f < h.ints.size();
    const void* src = is_int ? static_cast<const void*>(h.ints[f].data()) : h.floats[f - h.ints.size()].data();
    const size_t n = is_int ? h.ints[f].size() : h.floats[f - h.ints.size()].size();
    const size_t bytes = n * 4;
    grow(s.pinned[f], s.pinned_bytes[f], bytes, true);
    grow(s.device[f], s.device_bytes[f], bytes, false);
    if (bytes) std::memcpy(s.pinned[f], src, bytes);
    be_.upload_async(s.device[f], s.pinned[f], bytes);
    if (is_int) {
      s.view.ints[f] = static_cast<const int32_t*>(s.device[f]);
      s.view.int_sizes[f] = static_cast<int64_t>(n);
    } else {
      s.view.floats[f - h.ints.size()] = static_cast<const float*>(s.device[f]);
      s.view.float_sizes[f - h.ints.size()] = static_cast<int64_t>(n);
    }
  }
  s.view.shape = h.shape;
  s.uploaded = be_.record(Backend::Lane::copy);
}

void BatchStream::load() {
  try {
    for (int64_t k = 0;; ++k) {
      Slot& s = slots_[k % 2];
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || s.state == Slot::State::free; });
        if (stopping_) return;
        s.state = Slot::State::filling;
      }
      const bool more = make_(k, s.host);
      if (more) {
        stage(s);
        s.view.index = k;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (more) {
          s.state = Slot::State::ready;
          ++produced_;
        } else {
          s.state = Slot::State::free;
          finished_ = true;
        }
      }
      cv_.notify_all();
      if (!more) return;
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    finished_ = true;
    cv_.notify_all();
  }
}

const DeviceBatch* BatchStream::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_consume_ > 0) {  // the caller is done with the previous batch
    Slot& prev = slots_[(next_to_consume_ - 1) % 2];
    if (prev.state == Slot::State::in_use) {
      prev.consumed = be_.record(Backend::Lane::compute);
      prev.state = Slot::State::free;
      cv_.notify_all();
    }
  }
  Slot& s = slots_[next_to_consume_ % 2];
  cv_.wait(lock,
           [&] { return s.state == Slot::State::ready || (finished_ && produced_ <= next_to_consume_) || error_; });
  if (error_) std::rethrow_exception(error_);
  if (s.state != Slot::State::ready) return nullptr;
  s.state = Slot::State::in_use;
  ++next_to_consume_;
  be_.wait(Backend::Lane::compute, s.uploaded);
  return &s.view;
}

}  // namespace sr
