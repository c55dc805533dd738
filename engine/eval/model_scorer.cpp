#include "engine/eval/model_scorer.h"

#include "engine/net/scoring.h"
#include "kernels/csr.h"

namespace sr {

void ModelScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  const SparseBatch in(ex_.backend(), select_rows(inputs_, users));
  ex_.bind(input_, &in);
  out = all_scores(ex_, output_).to_host();  // a sparse output's every column, or full-softmax logits
}

}  // namespace sr
