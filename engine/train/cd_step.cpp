#include "engine/train/cd_step.h"

#include <algorithm>

#include "engine/net/dense_ops.h"
#include "kernels/error.h"

namespace sr {

namespace {
void ensure(Tensor& t, Backend& be, int64_t rows, int64_t cols) {
  if (t.empty() || t.rows() != rows || t.cols() != cols) t = Tensor(be, rows, cols);
}
}  // namespace

int cd_k_for_epoch(int epoch, int epochs, int k_max) {
  static const int kByQuarter[] = {1, 3, 5, 9};
  const int quarter = std::clamp((epoch - 1) * 4 / std::max(epochs, 1), 0, 3);
  return std::max(1, std::min(k_max, kByQuarter[quarter]));
}

CdStep::CdStep(RbmVars vars, int k_max) : v_(vars), k_max_(k_max) {
  if (k_max < 1) throw error("CD-k: k must be at least 1, got ", k_max);
  if (vars.levels < 2) throw error("CD-k: softmax visible units need at least 2 levels, got ", vars.levels);
}

void CdStep::start_epoch(int epoch, int epochs) { k_ = cd_k_for_epoch(epoch, epochs, k_max_); }

LossTicket CdStep::gradients(Exec& ex, int64_t global_rows) {
  Net& net = ex.net();
  Backend& be = ex.backend();
  Layer& hidden = net.producer(v_.hidden);
  Layer& visible = net.producer(v_.visible);
  const Param* w = hidden.params()[0];
  const Param* b = hidden.params()[1];
  const Param* c = visible.params()[1];
  Exec::Slot& x = ex.slot(v_.input);
  const SparseBatch* pattern = x.pattern;
  const float* v_data = x.values;
  if (!v_data) throw error("CD-k: the RBM's input has no values; it needs the one-hot rating levels");
  const int64_t rows = pattern->rows(), nnz = pattern->nnz(), units = w->cols;
  if (nnz % v_.levels != 0) throw error("CD-k: ", nnz, " visible entries are not groups of ", v_.levels, " levels");
  if (rows == 0) return ex.take_loss();  // no terms: a loss of 0

  // Positive phase: hidden probabilities from the data, then sampled states.
  hidden.forward(ex);
  Exec::Slot& h = ex.slot(v_.hidden);
  ensure(h0_, be, rows, units);
  h0_.copy_from(h.value);
  elementwise(be, EwKind::bernoulli, rows * units, h0_.data(), h.value.data(), {.seed = ex.draws().next()});

  ensure(v_recon_, be, nnz, 1);
  for (int t = 1; t <= k_; ++t) {
    visible.forward(ex);  // logits c + W·h on the rated items' K columns
    elementwise(be, EwKind::softmax_rows, nnz / v_.levels, v_.levels, {ex.slot(v_.visible).value.data(), v_.levels}, {},
                v_recon_.data(), v_.levels);
    if (t == 1) {
      ensure(loss_, be, 1, 1);
      be.loss({.kind = LossKind::mse, .n = nnz, .z = v_recon_.data(), .target = v_data, .loss_out = loss_.data()});
      ex.add_loss(loss_.data(), 1);  // the reconstruction error is the step's loss
    }
    x.values = v_recon_.data();  // hidden probabilities from the reconstruction
    hidden.forward(ex);
    x.values = v_data;
    if (t < k_)
      elementwise(be, EwKind::bernoulli, rows * units, h.value.data(), h.value.data(), {.seed = ex.draws().next()});
  }

  // Gradients of the descent direction, averaged over the (global) batch's rows.
  const float inv = 1.0f / static_cast<float>(global_rows > 0 ? global_rows : rows);
  ensure(h_scaled_, be, rows, units);
  elementwise(be, EwKind::copy, rows * units, h.value.data(), h_scaled_.data(), {.alpha = inv});  //  h_k / B
  elementwise(be, EwKind::copy, rows * units, h0_.data(), h0_.data(), {.alpha = -inv});           // -h_0 / B
  ScatterArgs s;
  s.a = pattern->view(false), s.at = pattern->touched_view(), s.width = units, s.dw = ex.gradient(*w).g.data();
  s.vals = v_recon_.data(), s.d = h_scaled_.data(), s.mode = ex.scatter_mode();
  be.scatter(s);
  s.vals = v_data, s.d = h0_.data();
  be.scatter(s);
  float* db = ex.gradient(*b).g.data();
  col_sum(be, rows, units, h_scaled_.data(), db);
  col_sum(be, rows, units, h0_.data(), db);
  ensure(dv_, be, nnz, 1);
  elementwise(be, EwKind::copy, nnz, v_recon_.data(), dv_.data(), {.alpha = inv});
  elementwise(be, EwKind::copy, nnz, v_data, dv_.data(), {.alpha = -inv, .accumulate = true});
  Exec::Gradient& dc = ex.gradient(*c);
  s.vals = dv_.data(), s.d = ex.constants().ones(rows).data(), s.width = 1, s.dw = dc.g.data();
  be.scatter(s);
  dc.touched_rows = pattern->touched();
  dc.n_touched = pattern->n_touched();
  return ex.take_loss();
}

}  // namespace sr
