#include "engine/train/adversarial_step.h"

#include <algorithm>
#include <vector>

#include "engine/net/adversarial_layer.h"
#include "engine/net/dense_ops.h"
#include "kernels/error.h"

namespace sr {

namespace {
void ensure(Tensor& t, Backend& be, int64_t rows, int64_t cols) {
  if (t.empty() || t.rows() != rows || t.cols() != cols) t = Tensor(be, rows, cols);
}
}  // namespace

AdversarialStep::AdversarialStep(AdversarialVars vars, float zr_ratio, float zr_weight)
    : v_(vars), zr_ratio_(zr_ratio), zr_weight_(zr_weight) {
  if (!(zr_ratio >= 0.0f && zr_ratio <= 1.0f)) throw error("CFGAN: zr_ratio must be in [0, 1], got ", zr_ratio);
  if (!(zr_weight >= 0.0f)) throw error("CFGAN: zr_weight must be at least 0, got ", zr_weight);
}

LossTicket AdversarialStep::gradients(Exec& ex, int64_t global_rows) {
  Net& net = ex.net();
  Backend& be = ex.backend();
  const auto& layers = net.layers();
  Layer& input_layer = net.producer(v_.disc_input);
  auto* disc_input = dynamic_cast<DiscriminatorInputLayer*>(&input_layer);
  SR_CHECK(disc_input, "model '", net.name(), "': '", net.var(v_.disc_input).name, "' is not a discriminator input");
  const auto first_d =
      std::find_if(layers.begin(), layers.end(), [&](const auto& l) { return l.get() == disc_input; }) + 1;
  SR_CHECK(!net.has_loss() && first_d != layers.end() && layers.back()->output().id == v_.score.id &&
               net.var(v_.score).width == 1,
           "model '", net.name(),
           "': the adversarial step needs the discriminator's layers after its input, ending in '",
           net.var(v_.score).name, "' (one logit per row), and no loss layer");

  ex.run_layers(true);
  Exec::Slot& g = ex.slot(v_.generated);
  Exec::Slot& z = ex.slot(v_.score);
  const int64_t rows = g.rows, n = net.var(v_.generated).width;
  if (rows == 0) return ex.take_loss();  // no terms: a loss of 0
  SR_CHECK(z.rows == 2 * rows, "model '", net.name(), "': the discriminator scored ", z.rows, " rows, not ", 2 * rows);
  const float inv = 1.0f / static_cast<float>(global_rows > 0 ? global_rows : rows);
  ensure(loss_, be, 3, 1);

  // G's pass: the non-saturating loss on the generated rows (the real rows' gradient 0) and the
  // zero reconstruction's gradient written into r̂ first; backward through D, the discriminator
  // input (masking) and G.
  z.grad.fill_zero();
  be.loss({.kind = LossKind::bce_logits,
           .n = rows,
           .z = z.value.data() + rows,
           .target = ex.constants().ones(rows).data(),
           .scale = inv,
           .dz = z.grad.data() + rows,
           .loss_out = loss_.data()});
  ex.add_loss(loss_.data(), 1);
  ensure(zero_mask_, be, rows, n);
  if (zeros_.empty() || zeros_.rows() != rows || zeros_.cols() != n) zeros_ = Tensor::zeros(be, rows, n);
  if (zr_ratio_ > 0.0f && zr_weight_ > 0.0f) {  // Z_u ~ Bernoulli(ratio · (1 − e_u))
    const Tensor& e = disc_input->purchases(ex);
    elementwise(be, EwKind::copy, rows * n, ex.constants().ones(rows * n).data(), zero_mask_.data(),
                {.alpha = zr_ratio_});
    elementwise(be, EwKind::copy, rows * n, e.data(), zero_mask_.data(), {.alpha = -zr_ratio_, .accumulate = true});
    elementwise(be, EwKind::bernoulli, rows * n, zero_mask_.data(), zero_mask_.data(), {.seed = ex.draws().next()});
    be.loss({.kind = LossKind::mse,
             .n = rows * n,
             .z = g.value.data(),
             .target = zeros_.data(),
             .weight = zero_mask_.data(),
             .scale = zr_weight_ * inv,
             .dz = g.grad.data(),
             .loss_out = loss_.data() + 1});
    ex.add_loss(loss_.data() + 1, 1);
  } else {
    g.grad.fill_zero();
  }
  ex.mark_gradient_written(v_.score);
  ex.mark_gradient_written(v_.generated);
  ex.backward();

  // D's pass: its gradients from G's pass dropped, then the real-vs-generated loss through D's
  // layers only (the gradient D passes to its input stops there).
  for (auto it = first_d; it != layers.end(); ++it)
    for (const Param* p : (*it)->params()) ex.gradient(*p).g.fill_zero();
  for (auto it = first_d; it != layers.end(); ++it)
    if ((*it)->output().id != v_.score.id) ex.slot((*it)->output()).grad.fill_zero();
  ex.slot(v_.disc_input).grad.fill_zero();
  if (labels_.rows() != 2 * rows) {  // 1 for the real rows, 0 for the generated ones
    std::vector<float> l(static_cast<size_t>(2 * rows), 0.0f);
    std::fill(l.begin(), l.begin() + rows, 1.0f);
    labels_ = Tensor::from_host(be, l, 2 * rows, 1);
  }
  be.loss({.kind = LossKind::bce_logits,
           .n = 2 * rows,
           .z = z.value.data(),
           .target = labels_.data(),
           .scale = inv,
           .dz = z.grad.data(),
           .loss_out = loss_.data() + 2});
  ex.add_loss(loss_.data() + 2, 1);
  for (auto it = layers.rbegin(); it.base() != first_d; ++it) (*it)->backward(ex);
  return ex.take_loss();
}

}  // namespace sr
