// Losses over a vector of scores (the values of a sparse output, or a dense output flattened),
// with their gradient, as argument structs shared by the CPU reference and CUDA.
#pragma once

#include <cstdint>

namespace sr {

enum class LossKind : int {
  mse = 0,         // (z - t)²
  bce_logits = 1,  // -t log σ(z) - (1 - t) log(1 - σ(z)), z a logit
};

// loss_out[0] = scale · Σ_i w_i · l(z_i, t_i);  dz_i = scale · w_i · ∂l/∂z_i (if dz is given).
// The sum is taken in a fixed order, so the loss is the same run to run.
struct LossArgs {
  LossKind kind = LossKind::mse;
  int64_t n = 0;
  const float* z = nullptr;
  const float* target = nullptr;
  const float* weight = nullptr;  // null means 1
  float scale = 1.0f;
  float* dz = nullptr;        // n entries or null
  float* loss_out = nullptr;  // one float on the device
};

}  // namespace sr
