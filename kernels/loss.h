// Losses over a vector of scores (the values of a sparse output, or a dense output flattened),
// with their gradient, as argument structs shared by the CPU reference and CUDA.
#pragma once

#include <cstdint>

#include "kernels/sparse.h"

namespace sr {

enum class LossKind : int {
  mse = 0,         // (z - t)²
  bce_logits = 1,  // -t log σ(z) - (1 - t) log(1 - σ(z)), z a logit
  softmax_xent = 2,  // full softmax over a dense row of logits against sparse targets (SoftmaxXentArgs)
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

// Multinomial log-likelihood of dense logits against sparse targets (full-softmax outputs:
// Mult-DAE/VAE, NARM). Per row r, with T_r = Σ_k t_k over the row's targets:
//   row_loss[r] = scale · (T_r · logsumexp_j z_rj − Σ_k t_k z_{r,c_k})
//   dz_rj       = scale · (T_r · softmax(z_r)_j − t_rj)
// Columns must be distinct within a target row (each is one (row, column) weight).
struct SoftmaxXentArgs {
  int64_t rows = 0, cols = 0;
  const float* z = nullptr;  // rows x cols logits
  CsrView target;            // rows x cols; val null means every target weighs 1
  float scale = 1.0f;
  float* dz = nullptr;        // rows x cols or null
  float* row_loss = nullptr;  // rows entries
};

}  // namespace sr
