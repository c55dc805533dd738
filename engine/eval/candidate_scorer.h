// Two-stage ranking (retrieval, then ranking: the production shape of TFRS and YouTube): a
// retrieval model's top-n items per user, among those the user has not interacted with, are the
// candidates; a ranking model orders them; every other item scores the lowest float, after every
// candidate. Under the top-N protocol a target the retrieval missed is then a miss.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/eval/topn_eval.h"
#include "kernels/csr.h"

namespace sr {

class CandidateScorer final : public Scorer {
 public:
  // `seen`: users x items, what retrieval skips; both scorers score the same users x items.
  CandidateScorer(Scorer& retrieval, Scorer& ranker, const HostCsr& seen, int64_t n);
  void score(const std::vector<int32_t>& users, std::vector<float>& out) override;

 private:
  Scorer& retrieval_;
  Scorer& ranker_;
  const HostCsr& seen_;
  int64_t n_;
  std::vector<float> retrieved_;
};

// The share of users whose target (one per row of `targets`) is among the top-n unseen items of
// `retrieval`: the recall of the first stage at n.
double retrieval_recall(Scorer& retrieval, const HostCsr& targets, const HostCsr& seen, int64_t n);

}  // namespace sr
