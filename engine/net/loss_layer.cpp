#include "engine/net/loss_layer.h"

#include "engine/net/exec.h"

namespace sr {

void LossLayer::forward(Exec& ex) {
  if (ex.queried(spec_.scores)) return;
  const Net& net = ex.net();
  Backend& be = ex.backend();
  Exec::Slot& z = ex.slot(spec_.scores);
  Exec::Slot& t = ex.slot(spec_.target);
  const bool training = ex.training();
  if (training) ex.mark_gradient_written(spec_.scores);
  if (spec_.kind == LossKind::softmax_xent || spec_.kind == LossKind::rank) {  // a loss per row, summed here in order
    const SparseBatch* target = ex.pattern_for(spec_.target);
    const Tensor& row_loss = ex.state().scratch(*this, row_losses, z.rows, 1);
    if (spec_.kind == LossKind::softmax_xent) {  // dense logits against sparse targets
      SoftmaxXentArgs a;
      a.rows = z.rows, a.cols = net.var(spec_.scores).width, a.z = z.value.data();
      a.target = target->view_with(t.values);
      a.dz = training ? z.grad.data() : nullptr, a.row_loss = row_loss.data();
      be.softmax_xent(a);
    } else {  // sampled scores ranked per row; the target's values mark the positives
      SR_CHECK(t.values, "model '", net.name(), "': the ranking loss needs target values (1 marks the positive)");
      RankLossArgs a;
      a.kind = spec_.rank, a.rows = z.rows, a.row_ptr = target->view(false).row_ptr, a.z = z.values,
      a.target = t.values;
      a.bpreg = spec_.bpreg, a.dz = training ? z.grad.data() : nullptr, a.row_loss = row_loss.data();
      be.rank_loss(a);
    }
    ex.add_loss(row_loss.data(), z.rows);  // summed in row order on the host
    return;
  }
  LossArgs a;
  a.kind = spec_.kind;
  if (net.var(spec_.scores).kind == VarKind::dense) {  // a score per row against a label per row
    const SparseBatch* labels = ex.pattern_for(spec_.target);
    if (labels->nnz() != z.rows)
      throw error("model '", net.name(), "': label input '", net.var(spec_.target).name, "' has ", labels->nnz(),
                  " values for ", z.rows, " rows; it needs exactly one per row");
    a.n = z.rows, a.z = z.value.data();
  } else {
    a.n = z.pattern->nnz(), a.z = z.values;
  }
  const Tensor& out = ex.state().scratch(*this, value, 1, 1);
  a.target = t.values ? t.values : ex.constants().ones(a.n).data();
  a.dz = training ? z.grad.data() : nullptr, a.loss_out = out.data();
  be.loss(a);
  ex.add_loss(out.data(), 1);
}

}  // namespace sr
