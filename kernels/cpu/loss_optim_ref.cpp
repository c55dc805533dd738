// CPU reference of the losses (kernels/loss.h) and optimizer updates (kernels/optim.h).
#include <cmath>

#include "kernels/cpu/reference.h"
#include "kernels/cpu/vectorize.h"

namespace sr::ref {

namespace {
// Numerically stable log(1 + exp(x)).
float softplus(float x) { return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
}  // namespace

void loss(const LossArgs& l) {
  double total = 0.0;  // the reference sums in double; kernels are checked against it with a tolerance
  for (int64_t i = 0; i < l.n; ++i) {
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

SR_CPU_HOT void optimizer_update(const OptArgs& o) {
  const float bc1 = 1.0f - std::pow(o.beta1, static_cast<float>(o.step));
  const float bc2 = 1.0f - std::pow(o.beta2, static_cast<float>(o.step));
#pragma omp parallel for if (parallel_worth(o.rows * o.width))
  for (int64_t r = 0; r < o.rows; ++r) {
    const int64_t row = o.row_ids ? o.row_ids[r] : r;
    for (int64_t c = 0; c < o.width; ++c) {
      const int64_t i = row * o.width + c;
      const float g = o.g[i] + o.weight_decay * o.w[i];
      switch (o.kind) {
        case OptKind::sgd:
          o.s1[i] = o.momentum * o.s1[i] + g;
          o.w[i] -= o.lr * o.s1[i];
          break;
        case OptKind::adam: {
          o.s1[i] = o.beta1 * o.s1[i] + (1.0f - o.beta1) * g;
          o.s2[i] = o.beta2 * o.s2[i] + (1.0f - o.beta2) * g * g;
          const float mhat = o.s1[i] / bc1, vhat = o.s2[i] / bc2;
          o.w[i] -= o.lr * mhat / (std::sqrt(vhat) + o.eps);
          break;
        }
        case OptKind::adagrad:
          o.s1[i] += g * g;
          o.w[i] -= o.lr * g / (std::sqrt(o.s1[i]) + o.eps);
          break;
        case OptKind::rprop: {
          // s1 holds the step size (initialised to lr by the caller), s2 the previous gradient.
          const float sign_change = g * o.s2[i];
          float step = o.s1[i], gi = g;
          if (sign_change > 0.0f) {
            step = std::fmin(step * o.eta_plus, o.step_max);
          } else if (sign_change < 0.0f) {
            step = std::fmax(step * o.eta_minus, o.step_min);
            gi = 0.0f;  // iRprop−: no move after a sign change, and forget the gradient
          }
          o.s1[i] = step;
          o.s2[i] = gi;
          o.w[i] -= (gi > 0.0f ? step : (gi < 0.0f ? -step : 0.0f));
          break;
        }
      }
      if (o.consume_gradient) o.g[i] = 0.0f;
    }
  }
}

}  // namespace sr::ref
