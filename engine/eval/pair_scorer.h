// Scoring with a pair net (NCF, MF: one score per (user, item) pair): listed pairs, every item for
// a list of users (the top-N Scorer), and held-out ratings.
#pragma once

#include "engine/eval/rating_eval.h"
#include "engine/eval/recommend.h"
#include "engine/eval/topn_eval.h"
#include "engine/train/trainer.h"

namespace sr {

// The net's scores of the pairs (users[k], items[k]), computed in chunks that bound device memory.
std::vector<float> score_pairs(Exec& ex, const PairInputs& in, const std::vector<int32_t>& users,
                               const std::vector<int32_t>& items);

class PairScorer final : public Scorer {
 public:
  PairScorer(Exec& ex, const PairInputs& in, int64_t n_items) : ex_(ex), in_(in), n_items_(n_items) {}
  void score(const std::vector<int32_t>& users, std::vector<float>& out) override;

 private:
  Exec& ex_;
  PairInputs in_;
  int64_t n_items_;
};

// Top-K unseen items for each user (recommend.h's rules), scored on the device a chunk of users at
// a time; `train_by_user` holds what each user has seen.
std::vector<std::vector<Scored>> recommend_pairs_topk(Exec& ex, const PairInputs& in, const HostCsr& train_by_user,
                                                      const std::vector<int32_t>& users, int k);

// RMSE and MAE of a pair net's scores on the events of part `heldout` (rating_eval.h's rules).
RatingMetrics evaluate_pair_ratings(Exec& ex, const PairInputs& in, const Dataset& d, const Split& s, Part heldout);

}  // namespace sr
