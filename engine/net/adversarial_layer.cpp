#include "engine/net/adversarial_layer.h"

#include "engine/net/dense_ops.h"
#include "engine/net/exec.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

DiscriminatorInputLayer::DiscriminatorInputLayer(std::string name, Var condition, Var generated, Var out,
                                                 float mask_ratio)
    : Layer(std::move(name), {condition, generated}, out), mask_ratio_(mask_ratio) {}

void DiscriminatorInputLayer::forward(Exec& ex) {
  Backend& be = ex.backend();
  Exec::Slot& c = ex.slot(inputs()[0]);
  Exec::Slot& g = ex.slot(inputs()[1]);
  const SparseBatch* batch = ex.pattern_for(inputs()[0]);
  const int64_t rows = batch->rows(), n = ex.net().var(inputs()[1]).width, ld = 2 * n;
  SR_CHECK(g.rows == rows, "layer '", name(), "': the condition has ", rows, " rows, the generated vectors ", g.rows);
  Tensor& e = ex.state().scratch(*this, purchases_key, rows, n);
  Tensor& mask = ex.state().scratch(*this, mask_key, rows, n);
  be.densify({batch->view_with(c.values), e.data(), n});
  if (ex.training() && mask_ratio_ > 0.0f && rows > 0) {
    // k_u ~ Bernoulli(ratio · (1 − e_u)), then mask = e_u + k_u.
    elementwise(be, EwKind::copy, rows * n, ex.constants().ones(rows * n).data(), mask.data(), {.alpha = mask_ratio_});
    elementwise(be, EwKind::copy, rows * n, e.data(), mask.data(), {.alpha = -mask_ratio_, .accumulate = true});
    elementwise(be, EwKind::bernoulli, rows * n, mask.data(), mask.data(), {.seed = ex.draws().next()});
    elementwise(be, EwKind::copy, rows * n, e.data(), mask.data(), {.accumulate = true});
  } else {
    mask.copy_from(e);
  }
  Exec::Slot& out = ex.prepare(output(), 2 * rows, nullptr);
  float* real = out.value.data();
  float* fake = real + rows * ld;
  elementwise(be, EwKind::copy, rows, n, {e.data(), n}, {}, real, ld);
  elementwise(be, EwKind::copy, rows, n, {e.data(), n}, {}, real + n, ld);
  elementwise(be, EwKind::copy, rows, n, {e.data(), n}, {}, fake, ld);
  elementwise(be, EwKind::mul, rows, n, {g.value.data(), n}, {mask.data(), n}, fake + n, ld);
}

void DiscriminatorInputLayer::backward(Exec& ex) {
  Exec::Slot& g = ex.slot(inputs()[1]);
  Exec::Slot& out = ex.slot(output());
  const int64_t rows = g.rows, n = ex.net().var(inputs()[1]).width, ld = 2 * n;
  const Tensor* mask = ex.state().find(*this, mask_key);
  SR_CHECK(mask, "layer '", name(), "': backward before forward");
  elementwise(ex.backend(), EwKind::mul, rows, n, {out.grad.data() + rows * ld + n, ld}, {mask->data(), n},
              g.grad.data(), n, {.accumulate = true});
}

const Tensor& DiscriminatorInputLayer::purchases(Exec& ex) const {
  const Tensor* e = ex.state().find(*this, purchases_key);
  SR_CHECK(e, "layer '", name(), "': no forward pass yet");
  return *e;
}

}  // namespace sr
