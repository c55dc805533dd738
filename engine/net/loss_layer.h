// The loss, as the net's last layer (Net::minimize adds it): in forward it computes the loss of
// the scores against the target and, in training, its gradient into the scores' gradient (one
// fused op), adding the value to the executor's loss; backward has nothing left to do. Skipped
// when the scores are queried at another pattern (evaluation) and by inference.
#pragma once

#include "engine/net/layer.h"
#include "engine/net/net.h"

namespace sr {

class LossLayer final : public Layer {
 public:
  LossLayer(std::string name, LossSpec spec) : Layer(std::move(name), {spec.scores, spec.target}, Var{}), spec_(spec) {}
  void forward(Exec& ex) override;
  void backward(Exec&) override {}
  bool optional_in_inference() const override { return true; }

 private:
  enum Scratch : int { value = 0, row_losses = 1 };  // the loss, or one loss per row (device scratch)
  LossSpec spec_;
};

}  // namespace sr
