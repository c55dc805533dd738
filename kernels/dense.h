// Dense and elementwise ops, as argument structs shared by the CPU reference and CUDA.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace sr {

// C = alpha · op(A) · op(B) + beta · C, all row-major. op(A) is m x k, op(B) is k x n.
struct GemmArgs {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f, beta = 0.0f;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;
  int64_t ldb = 0;
  float* c = nullptr;
  int64_t ldc = 0;
};

// Y = act(X + bias) row-wise; Y may alias X.
struct BiasActArgs {
  int64_t rows = 0, cols = 0;
  const float* x = nullptr;
  const float* bias = nullptr;  // cols entries or null
  Act act = Act::identity;
  float* y = nullptr;
};

// dX = dY ⊙ act'(Y), with the derivative taken from the output Y; dX may alias dY.
struct ActBackwardArgs {
  int64_t n = 0;
  const float* y = nullptr;
  const float* dy = nullptr;
  Act act = Act::identity;
  float* dx = nullptr;
};

// out[j] = beta · out[j] + Σ_r X[r, j]  (bias gradients), summed in row order.
struct ColSumArgs {
  int64_t rows = 0, cols = 0;
  const float* x = nullptr;
  float beta = 0.0f;
  float* out = nullptr;
};

// y = a · x + b · y over n elements (x may be null: y = b · y; then with b = 0 it fills zeros).
struct AxpbyArgs {
  int64_t n = 0;
  float a = 0.0f;
  const float* x = nullptr;
  float b = 0.0f;
  float* y = nullptr;
};

// Inverted dropout: y_i = x_i / (1 - p) with probability 1 - p, else 0; the draw for element i is
// uniform01(seed, offset + i), identical on every backend. y may alias x.
struct DropoutArgs {
  int64_t n = 0;
  float p = 0.0f;
  uint64_t seed = 0, offset = 0;
  const float* x = nullptr;
  float* y = nullptr;
};

}  // namespace sr
