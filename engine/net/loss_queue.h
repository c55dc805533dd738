// The losses of forward passes on their way to the host, so that a training step never waits for
// the device: each term (a loss layer's value or its losses per row, a VAE's KL terms, CD-k's
// reconstruction error) is copied into pinned memory on the compute lane right after the op that
// made it; a step's terms become one ticket behind a marker; the training loop reads a ticket once
// its marker is reached, a few steps later, and only then checks it for divergence. A ticket's loss
// is summed on the host in a fixed order — each term's values in index order, in double, times the
// term's scale, the terms in the order they were added — so it is the same number whenever it is read.
// While the backend captures a graph (Backend::begin_capture), which may not download, a term is
// copied on the device into a buffer of its own instead, which every replay of the graph writes
// again; the step's ticket is then a captured one, and after each replay `replayed` downloads what
// the replay wrote as a fresh ticket.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "kernels/backend.h"

namespace sr {

struct LossTicket {
  uint64_t id = 0;
};

class LossQueue {
 public:
  explicit LossQueue(Backend& be) : be_(&be) {}
  ~LossQueue();
  LossQueue(const LossQueue&) = delete;
  LossQueue& operator=(const LossQueue&) = delete;

  // A term of the current pass: scale · Σ values[0..n) (device memory, valid until the next op on
  // the compute lane writes it: the copy is issued now).
  void add(const float* device_values, int64_t n, double scale);
  // The terms added since the last ticket, as one ticket (no terms: a loss of 0).
  LossTicket take();
  // The ticket's loss when its copies have arrived (waiting for them when `wait`, a host sync), or
  // nothing when they have not and `wait` is false. A ticket is read once; reading it frees it.
  std::optional<double> read(LossTicket t, bool wait);
  // A ticket taken during a capture: after each replay of the graph, the replay's loss as a fresh
  // ticket. forget() frees its device buffers (once the graph is gone).
  LossTicket replayed(LossTicket captured);
  void forget(LossTicket captured);

 private:
  struct Term {
    float* pinned;
    int64_t n, capacity;
    double scale;
  };
  struct Pending {
    uint64_t id;
    Backend::Marker marker;
    std::vector<Term> terms;
  };
  struct DeviceTerm {  // a term of a captured pass: its values' copy on the device
    float* values;
    int64_t n;
    double scale;
  };
  float* pinned(int64_t n, int64_t* capacity);   // a buffer of at least n floats, from the free list
  void release(std::vector<DeviceTerm>& terms);  // frees their device buffers and empties the list
  Backend* be_;
  std::vector<Term> open_;
  std::deque<Pending> pending_;
  std::vector<Term> free_;  // pinned buffers to reuse
  std::vector<DeviceTerm> open_captured_;
  std::map<uint64_t, std::vector<DeviceTerm>> captured_;  // by ticket
  uint64_t next_id_ = 0;
};

}  // namespace sr
