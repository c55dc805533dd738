#include "engine/net/sample_layer.h"

#include <algorithm>

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"

namespace sr {

float GaussianSampleLayer::beta(int64_t step) const {
  if (anneal_steps_ <= 0) return beta_max_;
  return beta_max_ * static_cast<float>(std::min<int64_t>(step, anneal_steps_)) / static_cast<float>(anneal_steps_);
}

void GaussianSampleLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  const int64_t rows = x.rows, latent = x.value.cols() / 2, ld = 2 * latent;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  Backend& be = ex.backend();
  const float* mu = x.value.data();
  const float* logvar = mu ? mu + latent : nullptr;
  LayerState& st = ex.state();
  st.word(*this, sampled) = ex.training();
  if (!ex.training()) {
    elementwise(be, EwKind::copy, rows, latent, {mu, ld}, {}, out.value.data(), latent);
    return;
  }
  // By updates, not passes: data-parallel shards share an update.
  const auto update = static_cast<int64_t>(st.word(*this, step) = static_cast<uint64_t>(ex.updates() + 1));
  const uint64_t s = st.word(*this, seed) = ex.draws().next();
  elementwise(be, EwKind::gauss_sample, rows, latent, {mu, ld}, {logvar, ld}, out.value.data(), latent, {.seed = s});
  // The KL term, summed on the host in a fixed order.
  Tensor& terms = ex.state().scratch(*this, kl_terms, rows, latent);
  elementwise(be, EwKind::kl_terms, rows, latent, {mu, ld}, {logvar, ld}, terms.data(), latent);
  ex.add_loss(terms.data(), rows * latent, static_cast<double>(beta(update)));
}

void GaussianSampleLayer::backward(Exec& ex) {
  LayerState& st = ex.state();
  if (!st.word(*this, sampled)) return;
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = x.rows, latent = x.value.cols() / 2, ld = 2 * latent;
  Backend& be = ex.backend();
  const float* mu = x.value.data();
  const float* logvar = mu + latent;
  float* dmu = x.grad.data();
  float* dlogvar = dmu + latent;
  const float b = beta(static_cast<int64_t>(st.word(*this, step)));
  const uint64_t s = st.word(*this, seed);
  // Through the sample: dμ += dz, dlog σ² += dz · ε · σ / 2 (the same ε from the same seed).
  elementwise(be, EwKind::copy, rows, latent, {out.grad.data(), latent}, {}, dmu, ld, {.accumulate = true});
  elementwise(be, EwKind::gauss_sample_grad, rows, latent, {out.grad.data(), latent}, {logvar, ld}, dlogvar, ld,
              {.accumulate = true, .seed = s});
  // Through β·KL: dμ += β μ, dlog σ² += β (σ² − 1) / 2.
  elementwise(be, EwKind::copy, rows, latent, {mu, ld}, {}, dmu, ld, {.alpha = b, .accumulate = true});
  elementwise(be, EwKind::kl_logvar_grad, rows, latent, {logvar, ld}, {}, dlogvar, ld,
              {.alpha = b, .accumulate = true});
}

}  // namespace sr
