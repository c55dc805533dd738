// A small seeded generator with a specified algorithm (splitmix64), so that splits and shuffles
// are the same on every platform and standard library (std::shuffle's algorithm is not specified).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/common.h"

namespace sr {

// The seed of a stream of draws for (seed, epoch, position): a batcher's order or draws per epoch.
inline uint64_t stream_seed(uint64_t seed, uint64_t epoch, uint64_t position) {
  return splitmix64(splitmix64(seed ^ (epoch * 0x9e3779b97f4a7c15ull)) + position);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() { return splitmix64(state_++); }
  // Uniform in [0, n), without modulo bias worth speaking of for n < 2^32.
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  template <class T>
  void shuffle(std::vector<T>& v) {  // Fisher–Yates
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t state_;
};

}  // namespace sr
