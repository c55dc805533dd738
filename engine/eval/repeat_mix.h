// Repeat-aware session scores: in e-commerce logs a third of next clicks return to an item the
// session already showed, which a trained net on a short, sparse log underrates while S-POP (the
// session's own items first) gets them right. RepeatMixScorer mixes the two, as RepeatNet's
// repeat/explore mixture does after the fact: the net's scores become a distribution by a softmax,
//   p(i) = (1 − w) · softmax(s)_i + w · count_session(i) / clicks_session,
// and the weight w is chosen on the validation sessions (choose_repeat_weight), so that a log
// without repeats keeps w = 0 and the net's ranking.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/eval/session_eval.h"

namespace sr {

class RepeatMixScorer final : public SessionScorer {
 public:
  // Owns `inner` when given ownership; `weight` in [0, 1).
  RepeatMixScorer(std::unique_ptr<SessionScorer> inner, int64_t n_items, float weight);
  RepeatMixScorer(SessionScorer& inner, int64_t n_items, float weight);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;
  void advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) override;

 private:
  void follow(const std::vector<int32_t>& items, const std::vector<int32_t>& starts);  // each lane's clicks
  std::unique_ptr<SessionScorer> owned_;
  SessionScorer* inner_;
  int64_t n_items_;
  float weight_;
  std::vector<std::vector<int32_t>> clicks_;  // per lane: the current session's clicks so far
};

// The candidate weights tried, 0 (the net alone) first.
const std::vector<float>& repeat_weight_grid();

// The weight of the grid whose mixture scores the best MRR@20 on `valid` (the first of equals, so
// 0 unless a mixture is better), with `scorer` the net's: one pass of it ranks under every weight,
// so that early stopping can choose at every epoch (mrr[0] is the net's own).
struct RepeatChoice {
  float weight = 0.0f;
  std::vector<double> mrr;  // per weight of the grid
};
RepeatChoice choose_repeat_weight(SessionScorer& scorer, const Sessions& valid, int lanes);

}  // namespace sr
