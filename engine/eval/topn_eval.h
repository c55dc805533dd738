// Top-N evaluation (BENCHMARKS.md): each user's held-out item (leave-one-out) is ranked twice —
// among 99 sampled items the user never interacted with (HR@10, NDCG@10), and among every item
// not in the user's training set (Recall@20, NDCG@20, MRR@20). Ties count against the target:
// its rank is 1 + the number of other candidates whose score is >= its own.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/split.h"
#include "kernels/csr.h"

namespace sr {

// What any top-N model or baseline offers the evaluation: scores of every item for a list of users.
class Scorer {
 public:
  virtual ~Scorer() = default;
  // out: users.size() x n_items, row-major.
  virtual void score(const std::vector<int32_t>& users, std::vector<float>& out) = 0;
};

struct TopNMetrics {
  double hr10 = 0, ndcg10 = 0;                 // against the sampled negatives
  double recall20 = 0, ndcg20 = 0, mrr20 = 0;  // full ranking
  int64_t users = 0;
};

// `targets_by_user`: users x items CSR holding each evaluated user's one target (rows without one
// are skipped); `train_by_user`: what full ranking excludes; `negatives`: per_user items per user
// (sample_negatives). Throws if a user has more than one target.
TopNMetrics evaluate_topn(Scorer& scorer, const HostCsr& targets_by_user, const HostCsr& train_by_user,
                          const std::vector<int32_t>& negatives, int per_user);

// The rank of `target` among `candidates` (which may include it) by `scores`: 1 + the number of
// other candidates scoring >= the target.
int64_t rank_against(const float* scores, int32_t target, const int32_t* candidates, int64_t n);

}  // namespace sr
