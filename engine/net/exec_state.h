// Small pieces of state an executor (exec.h) keeps for its layers: the seeds of random draws, device
// constants, and the device memory layers keep between passes (carried recurrent state, what
// forward caches for backward).
#pragma once

#include <cstdint>
#include <map>
#include <tuple>

#include "kernels/backend.h"
#include "kernels/common.h"
#include "kernels/device_array.h"

namespace sr {

class Layer;

// The seeds of an executor's random draws (dropout, corruption, sampling): a fresh seed per use,
// from the executor's seed and a counter, so that a run draws the same masks on every backend.
class DrawStream {
 public:
  explicit DrawStream(uint64_t seed) : seed_(seed) {}
  uint64_t next() { return splitmix64(seed_ ^ (0xD1B54A32D192ED03ull * ++count_)); }
  // The next draws repeat those after the last rewind (gradient checks compare losses under one
  // fixed mask).
  void rewind() { count_ = 0; }
  // Starts stream `stream` (> 0): the draws from here on depend on it and on the seed only, not on
  // what was drawn before (data-parallel shards draw by batch, on any rank).
  void start(uint64_t stream) { count_ = stream << 32; }
  // The counter, for checkpoints: restoring it makes the next draws those of the saved run.
  uint64_t count() const { return count_; }
  void set_count(uint64_t n) { count_ = n; }

 private:
  uint64_t seed_, count_ = 0;
};

// Constant device arrays the layers build on, grown on demand (geometrically) and kept.
class DeviceConstants {
 public:
  explicit DeviceConstants(Backend& be) : be_(&be) {}
  const Tensor& ones(int64_t n);              // n ones (bias gradients through a scatter)
  const IndexArray& arange(int64_t n);        // 0, 1, ..., n
  CsrView diagonal(int64_t n);                // the n x n identity pattern (row-wise products)
  const IndexArray& zero_indices(int64_t n);  // n zeros (the row pointers of rows without nonzeros)

 private:
  Backend* be_;
  Tensor ones_;
  IndexArray arange_, zeros_;
};

// What a layer keeps between passes, owned by the executor — so that it never outlives the backend,
// and so that several executors can run one net, each with its own: device memory (tensor `key` of a
// layer: carried recurrent state, what forward caches for backward) and numbers (word `key`: the
// seed of a pass's draws, the step an annealing is at), in the current state slot. One process
// training several data-parallel shards of session-parallel lanes keeps each shard's in its own slot.
class LayerState {
 public:
  explicit LayerState(Backend& be) : be_(&be) {}
  // rows x cols; allocated zeroed when missing or when the shape changes, else kept as it was.
  Tensor& scratch(const Layer& l, int key, int64_t rows, int64_t cols);
  Tensor* find(const Layer& l, int key);                                        // null when there is none
  uint64_t& word(const Layer& l, int key) { return words_[{&l, key, slot_}]; }  // 0 when new
  void clear();  // forgets every slot's tensors (a new epoch, evaluation)
  void set_slot(int slot) { slot_ = slot; }
  // Whether a forward pass advances the carried state (default). Gradient checks turn it off to
  // evaluate one step repeatedly from the same state.
  bool carry() const { return carry_; }
  void set_carry(bool on) { carry_ = on; }

 private:
  Backend* be_;
  int slot_ = 0;
  bool carry_ = true;
  std::map<std::tuple<const Layer*, int, int>, Tensor> tensors_;  // (layer, key, slot)
  std::map<std::tuple<const Layer*, int, int>, uint64_t> words_;
};

}  // namespace sr
