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

// Elementwise functions over a rows x cols block of row-major matrices whose rows are lda, ldb and
// ldy floats apart, so a block may be a column range of a wider matrix (concatenation):
//   y[r, c] = alpha · f(a[r, c], b[r, c]) + (accumulate ? y[r, c] : 0)
// Draws use index r · cols + c of `seed` (uniform01 / normal01 in kernels/common.h), the same on
// every backend.
enum class EwKind : int {
  copy = 0,               // f = a
  mul = 1,                // f = a · b
  bernoulli = 2,          // f = 1 if uniform01 < a else 0 (sampling binary units from probabilities)
  softmax_rows = 3,       // y[r, :] = softmax(a[r, :]); alpha 1, no accumulate; for short rows
  gauss_sample = 4,       // f = a + ε · exp(b / 2), ε = normal01: a sample of N(mean a, log-variance b)
  gauss_sample_grad = 5,  // f = a · ε · exp(b / 2) / 2: a = d sample, b = log-variance (the same ε)
  kl_logvar_grad = 6,     // f = (exp(a) - 1) / 2: ∂KL/∂logvar of KL(N(μ, e^a) ‖ N(0, 1))
  kl_terms = 7,           // f = -(1 + b - a² - exp(b)) / 2: the KL terms, a = μ, b = log-variance
  inv_sqrt = 8,           // f = 1 / sqrt(max(a, 1e-12)): inverse norms from squared norms (cosine scores)
};

struct ElementwiseArgs {
  EwKind kind = EwKind::copy;
  int64_t rows = 0, cols = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;  // mul, gauss_sample, gauss_sample_grad, kl_terms
  int64_t ldb = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  float alpha = 1.0f;
  bool accumulate = false;
  uint64_t seed = 0;
};

// The f of every kind but softmax_rows, shared by the CPU reference and the CUDA kernel.
SR_HD float elementwise_f(EwKind k, float a, float b, uint64_t seed, uint64_t index) {
  switch (k) {
    case EwKind::mul:
      return a * b;
    case EwKind::bernoulli:
      return uniform01(seed, index) < a ? 1.0f : 0.0f;
    case EwKind::gauss_sample:
      return a + normal01(seed, index) * expf(0.5f * b);
    case EwKind::gauss_sample_grad:
      return a * normal01(seed, index) * 0.5f * expf(0.5f * b);
    case EwKind::kl_logvar_grad:
      return 0.5f * (expf(a) - 1.0f);
    case EwKind::kl_terms:
      return -0.5f * (1.0f + b - a * a - expf(b));
    case EwKind::inv_sqrt:
      return 1.0f / sqrtf(fmaxf(a, 1e-12f));
    default:
      return a;
  }
}

}  // namespace sr
