#include "engine/eval/model_scorer.h"

#include "engine/train/trainer.h"

namespace sr {

void ModelScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  const SparseBatch in(ex_.backend(), select_rows(inputs_, users));
  ex_.bind(input_, &in);
  out = ex_.dense_scores(output_).to_host();
}

}  // namespace sr
