// Streaming batches to a device: a loader thread builds batch k+1 on the host and uploads it from
// pinned memory on the backend's copy lane while the device computes on batch k (two slots,
// double buffering), so the dataset never has to fit in device memory and the upload hides behind
// the compute. On the CPU backend the "upload" is a copy and the overlap is host work (building the
// next batch) against compute.
//
//   BatchStream s(backend, [&](int64_t k, HostBatch& b) { ...fill batch k...; return k < n; });
//   while (const DeviceBatch* b = s.next()) { ...use b until the next call... }
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/backend.h"
#include "kernels/batch_fields.h"

namespace sr {

class BatchStream {
 public:
  // make(k, out) fills batch k into `out` (reusing its vectors) and returns false when there is no
  // batch k. It runs on the loader thread, for k = 0, 1, 2, ... in order.
  using Make = std::function<bool(int64_t, HostBatch&)>;
  BatchStream(Backend& be, Make make);
  ~BatchStream();
  BatchStream(const BatchStream&) = delete;
  BatchStream& operator=(const BatchStream&) = delete;

  // The next batch on the device, or nullptr after the last. The previous batch's memory is
  // reused from here on. An exception thrown by `make` is rethrown here.
  const DeviceBatch* next();

 private:
  struct Slot {
    HostBatch host;
    std::vector<void*> pinned, device;  // per field (ints first, then floats)
    std::vector<size_t> pinned_bytes, device_bytes;
    DeviceBatch view;
    Backend::Marker uploaded = 0, consumed = 0;
    enum class State { free, filling, ready, in_use } state = State::free;
  };
  void load();
  void stage(Slot& s);
  void grow(void*& p, size_t& have, size_t need, bool pinned);

  Backend& be_;
  Make make_;
  Slot slots_[2];
  std::mutex mutex_;
  std::condition_variable cv_;
  int64_t next_to_consume_ = 0, produced_ = 0;
  bool finished_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread loader_;
};

}  // namespace sr
