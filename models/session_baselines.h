// The floors of the session table (BENCHMARKS.md, RSC15): SessionScorers for
// engine/eval/session_eval.h, fitted on the training sessions.
//   popularity          every item by its number of training clicks, whatever the session
//   session popularity  (S-POP) items by their clicks in the session so far, ties by popularity
//   item-kNN            items by their co-occurrence with the session's last click (GRU4Rec's
//                       baseline: sim(i, j) = sessions with both / ((n_i + λ)^α (n_j + λ)^(1−α)),
//                       n_i the sessions with i; λ = 20, α = 0.5)
#pragma once

#include <utility>
#include <vector>

#include "engine/data/sessions.h"
#include "engine/eval/session_eval.h"

namespace sr {

class SessionPopularityScorer final : public SessionScorer {
 public:
  explicit SessionPopularityScorer(const Sessions& train);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;

 private:
  std::vector<float> pop_;
};

class SessionPopScorer final : public SessionScorer {
 public:
  explicit SessionPopScorer(const Sessions& train);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;

 private:
  std::vector<float> tiebreak_;             // popularity scaled into [0, 1)
  std::vector<std::vector<int32_t>> seen_;  // per lane: the session's clicks so far
};

class SessionItemKnnScorer final : public SessionScorer {
 public:
  SessionItemKnnScorer(const Sessions& train, float lambda = 20.0f, float alpha = 0.5f);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;

 private:
  int64_t n_items_;
  std::vector<std::vector<std::pair<int32_t, float>>> neighbours_;  // per item: (item, similarity)
};

}  // namespace sr
