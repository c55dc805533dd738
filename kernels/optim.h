// Optimizer updates over a parameter matrix, all rows or only the rows a batch touched (lazy
// updates for sparse inputs and embeddings), shared by the CPU reference and CUDA.
#pragma once

#include <cstdint>

namespace sr {

enum class OptKind : int {
  sgd = 0,      // v = momentum · v + g; w -= lr · v   (plain SGD when momentum = 0)
  adam = 1,     // bias-corrected Adam (Kingma & Ba), step t counted from 1
  adagrad = 2,  // s += g²; w -= lr · g / (sqrt(s) + eps)
  rprop = 3,    // iRprop−: per-weight step sizes from gradient signs (full-batch training)
};

struct OptArgs {
  OptKind kind = OptKind::sgd;
  int64_t rows = 0, width = 0;       // rows updated: all rows, or n_rows rows listed in row_ids
  const int32_t* row_ids = nullptr;  // null: rows 0 .. rows-1
  float* w = nullptr;                // parameter, (max row + 1) x width
  float* g = nullptr;                // gradient, same layout as w
  float* s1 = nullptr;               // momentum / Adam m / Adagrad sum / Rprop step size
  float* s2 = nullptr;               // Adam v / Rprop previous gradient
  float lr = 0.01f;
  float momentum = 0.0f;  // SGD momentum
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float weight_decay = 0.0f;      // L2: g += weight_decay · w before the update
  int64_t step = 1;               // Adam's t
  bool consume_gradient = false;  // zero each updated gradient element after use, so that a
                                  // lazy update leaves the gradient all-zero for the next step
  float eta_minus = 0.5f, eta_plus = 1.2f, step_min = 1e-6f, step_max = 50.0f;  // Rprop
};

}  // namespace sr
