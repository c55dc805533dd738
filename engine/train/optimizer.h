// Applies one optimizer step to a net's parameters: all rows of dense parameters, and for
// row-sparse ones (sparse inputs, sparse outputs) only the rows the step touched when lazy.
#pragma once

#include <string>
#include <vector>

#include "engine/net/exec.h"
#include "kernels/optim.h"

namespace sr {

struct OptimizerConfig {
  OptKind kind = OptKind::adam;
  float lr = 1e-3f;
  float momentum = 0.0f;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  bool lazy = true;  // row-sparse parameters: update touched rows only (their decay too)
  // > 0: also keep an exponential moving average of the weights (Polyak averaging) with this decay
  // a step, avg = d·avg + (1 − d)·w, which training ends on (Optimizer::use_average).
  float average = 0.0f;
};

// "sgd", "adam", "adagrad", "rprop"; throws naming the known ones.
OptKind parse_optimizer(const std::string& name);
const char* optimizer_name(OptKind k);

// Its state per parameter (momentum or moments, step sizes, the weights' average) lives here,
// beside the weights it updates in the executor's ParamStore.
class Optimizer {
 public:
  Optimizer(OptimizerConfig config, float l2) : config_(config), l2_(l2) {}
  // Updates the weights of ex's store from ex's gradients, consuming them (they are left zero),
  // and advances the step count.
  void step(Exec& ex);
  int64_t steps() const { return steps_; }
  void set_steps(int64_t n) { steps_ = n; }  // a checkpoint's
  // Replaces the weights by their moving average (when averaging; the end of training).
  void use_average(ParamStore& store);
  // The state of every parameter of the store, created where missing (checkpoints save and load
  // it): s1, s2, and avg when averaging.
  struct State {
    Tensor s1, s2, avg;
  };
  State& state(ParamStore& store, const Param& p);
  void set_lr(float lr) { config_.lr = lr; }  // a schedule (TrainConfig::lr_decay)
  const OptimizerConfig& config() const { return config_; }

 private:
  OptimizerConfig config_;
  float l2_;
  int64_t steps_ = 0;
  const ParamStore* store_ = nullptr;  // the weights its state belongs to (the first it updates)
  std::vector<State> state_;           // by parameter id
};

}  // namespace sr
