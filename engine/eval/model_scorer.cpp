#include "engine/eval/model_scorer.h"

#include "engine/train/trainer.h"

namespace sr {

void ModelScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  const SparseBatch in(ex_.backend(), select_rows(inputs_, users));
  ex_.bind(input_, &in);
  if (ex_.net().var(output_).kind == VarKind::dense) {  // a full-softmax model: its logits rank
    ex_.forward(false);
    out = ex_.slot(output_).value.to_host();
    return;
  }
  out = ex_.dense_scores(output_).to_host();
}

}  // namespace sr
