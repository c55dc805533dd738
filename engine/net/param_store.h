// A model's weights on a backend: one tensor per parameter of its Net, initialised from a seed so
// that every backend starts identical. Executors read it (several may share one: training beside
// evaluation, or serving threads); only the optimizer, a model file or a checkpoint writes it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/net/layer.h"
#include "kernels/backend.h"

namespace sr {

class Net;

class ParamStore {
 public:
  ParamStore(const Net& net, Backend& be, uint64_t seed);
  ParamStore(const ParamStore&) = delete;
  ParamStore& operator=(const ParamStore&) = delete;

  const Net& net() const { return *net_; }
  Backend& backend() const { return *be_; }
  Tensor& weights(const Param& p) { return w_.at(static_cast<size_t>(p.id)); }
  const Tensor& weights(const Param& p) const { return w_.at(static_cast<size_t>(p.id)); }

 private:
  const Net* net_;
  Backend* be_;
  std::vector<Tensor> w_;
};

}  // namespace sr
