// A user-based net as a top-N Scorer: each user's input row goes through the net and every item
// is scored (a sparse output's every column, or a full softmax's logits), a chunk of users per call.
#pragma once

#include "engine/eval/topn_eval.h"
#include "engine/net/exec.h"
#include "kernels/csr.h"

namespace sr {

class ModelScorer final : public Scorer {
 public:
  // `inputs_by_user`: the rows the net reads (training interactions, plus whatever else the model
  // takes as input); kept by reference.
  ModelScorer(Exec& ex, Var input, Var output, const HostCsr& inputs_by_user)
      : ex_(ex), input_(input), output_(output), inputs_(inputs_by_user) {}
  void score(const std::vector<int32_t>& users, std::vector<float>& out) override;

 private:
  Exec& ex_;
  Var input_, output_;
  const HostCsr& inputs_;
};

}  // namespace sr
