// CPU reference of the losses (kernels/loss.h) and optimizer updates (kernels/optim.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/reference.h"
#include "kernels/cpu/vectorize.h"

namespace sr::ref {

namespace {
// Numerically stable log(1 + exp(x)).
float softplus(float x) { return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
}  // namespace

void loss(const LossArgs& l) {
  // The reference sums in double (kernels are checked against it with a tolerance), in blocks of
  // a fixed size whose sums are added in order: the same total for any number of threads, and the
  // blocks in parallel (a sampled output's loss over every entry of a batch was a serial stretch
  // of each Prod2vec step).
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (l.n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
#pragma omp parallel for if (parallel_worth(l.n * 16))
  for (int64_t b = 0; b < blocks; ++b) {
    double total = 0.0;
    for (int64_t i = b * kBlock; i < std::min(l.n, (b + 1) * kBlock); ++i) {
      const float z = l.z[i], t = l.target[i], w = l.weight ? l.weight[i] : 1.0f;
      float value, grad;
      if (l.kind == LossKind::mse) {
        value = (z - t) * (z - t);
        grad = 2.0f * (z - t);
      } else {
        value = softplus(z) - t * z;
        grad = 1.0f / (1.0f + std::exp(-z)) - t;
      }
      total += static_cast<double>(w) * value;
      if (l.dz) l.dz[i] = l.scale * w * grad;
    }
    partial[static_cast<size_t>(b)] = total;
  }
  double total = 0.0;
  for (double p : partial) total += p;
  if (l.loss_out) l.loss_out[0] = static_cast<float>(l.scale * total);
}

void softmax_xent(const SoftmaxXentArgs& a) {
#pragma omp parallel for if (parallel_worth(a.rows * a.cols))
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* z = a.z + r * a.cols;
    float m = -INFINITY;
    for (int64_t j = 0; j < a.cols; ++j) m = std::max(m, z[j]);
    double sum = 0.0;
    for (int64_t j = 0; j < a.cols; ++j) sum += std::exp(static_cast<double>(z[j]) - m);
    const double lse = m + std::log(sum);
    double total = 0.0, picked = 0.0;
    for (int32_t k = a.target.row_ptr[r]; k < a.target.row_ptr[r + 1]; ++k) {
      const double t = a.target.val ? a.target.val[k] : 1.0;
      total += t;
      picked += t * z[a.target.col_idx[k]];
    }
    if (a.row_loss) a.row_loss[r] = static_cast<float>(a.scale * (total * lse - picked));
    if (!a.dz) continue;
    float* dz = a.dz + r * a.cols;
    for (int64_t j = 0; j < a.cols; ++j) dz[j] = static_cast<float>(a.scale * total * std::exp(z[j] - lse));
    for (int32_t k = a.target.row_ptr[r]; k < a.target.row_ptr[r + 1]; ++k)
      dz[a.target.col_idx[k]] -= a.scale * (a.target.val ? a.target.val[k] : 1.0f);
  }
}

void rank_loss(const RankLossArgs& a) {
  // Float sums in entry order, like the kernel's per-thread sums: the terms are O(1) and rows short.
#pragma omp parallel for if (parallel_worth(static_cast <int64_t>(a.rows) * 64))
  for (int64_t r = 0; r < a.rows; ++r) {
    const int32_t b = a.row_ptr[r], e = a.row_ptr[r + 1];
    int32_t p = -1;
    for (int32_t k = b; k < e && p < 0; ++k)
      if (a.target[k] > 0.0f) p = k;
    if (p < 0 || e - b < 2) {
      if (a.row_loss) a.row_loss[r] = 0.0f;
      if (a.dz)
        for (int32_t k = b; k < e; ++k) a.dz[k] = 0.0f;
      continue;
    }
    const float sp = a.z[p], n = static_cast<float>(e - b - 1);
    float m = a.kind == RankLoss::xent ? sp : -INFINITY;
    for (int32_t k = b; k < e; ++k)
      if (k != p) m = std::max(m, a.z[k]);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int32_t k = b; k < e; ++k)
      if (k != p) rank_loss_terms(a.kind, a.z[k], sp, m, acc);
    if (a.row_loss) a.row_loss[r] = a.scale * rank_loss_value(a.kind, acc, sp, m, n, a.bpreg);
    if (!a.dz) continue;
    for (int32_t k = b; k < e; ++k)
      a.dz[k] = a.scale * (k == p ? rank_loss_grad_positive(a.kind, acc, sp, m, n)
                                  : rank_loss_grad_negative(a.kind, a.z[k], acc, sp, m, n, a.bpreg));
  }
}

namespace {
// One row of the update, for one optimizer: the kind is fixed at compile time and the row's
// arrays do not alias, so that the loop vectorizes (a switch per element and pointers that might
// alias kept it scalar: a fifth of a Prod2vec run was this loop).
template <OptKind kind>
inline void update_row(const OptArgs& o, int64_t row, float bc1, float bc2) {
  const int64_t at = row * o.width, width = o.width;
  float* __restrict w = o.w + at;
  float* __restrict g = o.g + at;
  float* __restrict s1 = o.s1 ? o.s1 + at : nullptr;
  float* __restrict s2 = o.s2 ? o.s2 + at : nullptr;
  // The settings as locals: read through `o`, a store to a float might change them for all the
  // compiler knows, and it would reload them every element.
  const float decay = o.weight_decay, lr = o.lr, momentum = o.momentum, beta1 = o.beta1, beta2 = o.beta2, eps = o.eps,
              eta_plus = o.eta_plus, eta_minus = o.eta_minus, step_min = o.step_min, step_max = o.step_max;
  const bool consume = o.consume_gradient;
  for (int64_t c = 0; c < width; ++c) {
    const float gi = g[c] + decay * w[c];
    if constexpr (kind == OptKind::sgd) {
      s1[c] = momentum * s1[c] + gi;
      w[c] -= lr * s1[c];
    } else if constexpr (kind == OptKind::adam) {
      s1[c] = beta1 * s1[c] + (1.0f - beta1) * gi;
      s2[c] = beta2 * s2[c] + (1.0f - beta2) * gi * gi;
      const float mhat = s1[c] / bc1, vhat = s2[c] / bc2;
      w[c] -= lr * mhat / (std::sqrt(vhat) + eps);
    } else if constexpr (kind == OptKind::adagrad) {
      s1[c] += gi * gi;
      w[c] -= lr * gi / (std::sqrt(s1[c]) + eps);
    } else {
      // Rprop: s1 holds the step size (initialised to lr by the caller), s2 the previous gradient.
      const float sign_change = gi * s2[c];
      float step = s1[c], gr = gi;
      if (sign_change > 0.0f) {
        step = std::fmin(step * eta_plus, step_max);
      } else if (sign_change < 0.0f) {
        step = std::fmax(step * eta_minus, step_min);
        gr = 0.0f;  // iRprop−: no move after a sign change, and forget the gradient
      }
      s1[c] = step;
      s2[c] = gr;
      w[c] -= (gr > 0.0f ? step : (gr < 0.0f ? -step : 0.0f));
    }
    if (consume) g[c] = 0.0f;
  }
}

template <OptKind kind>
SR_CPU_HOT void update_rows(const OptArgs& o, float bc1, float bc2) {
#pragma omp parallel for if (parallel_worth(o.rows * o.width))
  for (int64_t r = 0; r < o.rows; ++r) update_row<kind>(o, o.row_ids ? o.row_ids[r] : r, bc1, bc2);
}
}  // namespace

void optimizer_update(const OptArgs& o) {
  const float bc1 = 1.0f - std::pow(o.beta1, static_cast<float>(o.step));
  const float bc2 = 1.0f - std::pow(o.beta2, static_cast<float>(o.step));
  switch (o.kind) {
    case OptKind::sgd:
      return update_rows<OptKind::sgd>(o, bc1, bc2);
    case OptKind::adam:
      return update_rows<OptKind::adam>(o, bc1, bc2);
    case OptKind::adagrad:
      return update_rows<OptKind::adagrad>(o, bc1, bc2);
    case OptKind::rprop:
      return update_rows<OptKind::rprop>(o, bc1, bc2);
  }
}

}  // namespace sr::ref
