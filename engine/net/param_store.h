// A model's weights on a backend: one tensor per parameter of its Net, initialised from a seed so
// that every backend starts identical. Executors read it (several may share one: training beside
// evaluation, or serving threads); only the optimizer, a model file or a checkpoint writes it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/net/layer.h"
#include "kernels/backend.h"

namespace sr {

class Net;

class ParamStore {
 public:
  ParamStore(const Net& net, Backend& be, uint64_t seed);
  // The tensors allocated but not initialised: for weights read from a file next.
  static std::unique_ptr<ParamStore> for_loading(const Net& net, Backend& be);
  ParamStore(const ParamStore&) = delete;
  ParamStore& operator=(const ParamStore&) = delete;

  const Net& net() const { return *net_; }
  Backend& backend() const { return *be_; }
  Tensor& weights(const Param& p) { return w_.at(static_cast<size_t>(p.id)); }
  const Tensor& weights(const Param& p) const { return w_.at(static_cast<size_t>(p.id)); }

 private:
  ParamStore(const Net& net, Backend& be) : net_(&net), be_(&be) {}
  const Net* net_;
  Backend* be_;
  std::vector<Tensor> w_;
};

}  // namespace sr
