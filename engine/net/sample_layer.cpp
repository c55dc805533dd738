#include "engine/net/sample_layer.h"

#include <algorithm>

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"

namespace sr {

float GaussianSampleLayer::beta() const {
  if (anneal_steps_ <= 0) return beta_max_;
  return beta_max_ * static_cast<float>(std::min<int64_t>(step_, anneal_steps_)) / static_cast<float>(anneal_steps_);
}

void GaussianSampleLayer::forward(Exec& ex) {
  Exec::Slot& x = ex.slot(inputs()[0]);
  const int64_t rows = x.rows, latent = x.value.cols() / 2, ld = 2 * latent;
  Exec::Slot& out = ex.prepare(output(), rows, nullptr);
  Backend& be = ex.backend();
  const float* mu = x.value.data();
  const float* logvar = mu ? mu + latent : nullptr;
  sampled_ = ex.training();
  if (!sampled_) {
    elementwise(be, EwKind::copy, rows, latent, {mu, ld}, {}, out.value.data(), latent);
    return;
  }
  step_ = ex.updates() + 1;  // by updates, not passes: data-parallel shards share an update
  seed_ = ex.draws().next();
  elementwise(be, EwKind::gauss_sample, rows, latent, {mu, ld}, {logvar, ld}, out.value.data(), latent, {.seed = seed_});
  // The KL term, summed on the host in a fixed order.
  Tensor terms(be, rows, latent);
  elementwise(be, EwKind::kl_terms, rows, latent, {mu, ld}, {logvar, ld}, terms.data(), latent);
  double kl = 0.0;
  for (float t : terms.to_host()) kl += t;
  ex.add_loss(static_cast<double>(beta()) * kl);
}

void GaussianSampleLayer::backward(Exec& ex) {
  if (!sampled_) return;
  Exec::Slot& x = ex.slot(inputs()[0]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = x.rows, latent = x.value.cols() / 2, ld = 2 * latent;
  Backend& be = ex.backend();
  const float* mu = x.value.data();
  const float* logvar = mu + latent;
  float* dmu = x.grad.data();
  float* dlogvar = dmu + latent;
  const float b = beta();
  // Through the sample: dμ += dz, dlog σ² += dz · ε · σ / 2 (the same ε from the same seed).
  elementwise(be, EwKind::copy, rows, latent, {out.grad.data(), latent}, {}, dmu, ld, {.accumulate = true});
  elementwise(be, EwKind::gauss_sample_grad, rows, latent, {out.grad.data(), latent}, {logvar, ld}, dlogvar, ld,
              {.accumulate = true, .seed = seed_});
  // Through β·KL: dμ += β μ, dlog σ² += β (σ² − 1) / 2.
  elementwise(be, EwKind::copy, rows, latent, {mu, ld}, {}, dmu, ld, {.alpha = b, .accumulate = true});
  elementwise(be, EwKind::kl_logvar_grad, rows, latent, {logvar, ld}, {}, dlogvar, ld, {.alpha = b, .accumulate = true});
}

}  // namespace sr
