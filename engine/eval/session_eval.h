// The session protocol of BENCHMARKS.md: for every click of a test session after the first, rank
// every training item given the clicks before it; Recall@K and MRR@K (K = 20) over all those
// events. Ties count against the target: its rank is 1 + the number of other items scoring ≥ it.
// Test sessions run side by side in lanes, one click per lane per step, as in training.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/data/sessions.h"
#include "engine/net/exec.h"

namespace sr {

// Scores every item as the next click of each lane, one step at a time.
class SessionScorer {
 public:
  virtual ~SessionScorer() = default;
  // Lane l shows click items[l]; starts[l] is 1 when that click begins a session (the lane's
  // earlier clicks no longer count). Writes lanes x n_items scores, row-major.
  virtual void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                    std::vector<float>& scores) = 0;
  // The same step without scores, for clicks whose next one is not asked for.
  virtual void advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) {
    std::vector<float> ignored;
    step(items, starts, ignored);
  }
};

struct SessionMetrics {
  int k = 20;
  double recall = 0.0, mrr = 0.0;
  int64_t events = 0;  // clicks predicted
  double seconds = 0.0;
};

// The rank of `target` among `scores` (n entries): 1 + #{j ≠ target : scores[j] ≥ scores[target]}.
int64_t rank_with_ties_against(const float* scores, int64_t n, int32_t target);

SessionMetrics evaluate_sessions(SessionScorer& scorer, const Sessions& test, int lanes, int k = 20);

// The protocol's walk without its metric: each step, `visit` is given the lanes' clicks, which of
// them begin a session, the scores the scorer wrote (lanes x n_items) and each lane's next click,
// the one to rank (-1 for an idle lane). For metrics of several rankings from one pass of a net.
using SessionStepVisitor = std::function<void(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                                              const std::vector<float>& scores, const std::vector<int32_t>& targets)>;
void walk_sessions(SessionScorer& scorer, const Sessions& test, int lanes, const SessionStepVisitor& visit);

// A session net (inputs "item", "next"; session_trainer.h) as a scorer: each step feeds the lanes'
// clicks through the net, its recurrent state carried per lane, and scores every item.
class NetSessionScorer final : public SessionScorer {
 public:
  NetSessionScorer(Exec& ex, int64_t n_items);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;
  void advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) override;

 private:
  void feed(const std::vector<int32_t>& starts, const SparseBatch& in);  // resets, then binds the clicks
  Exec& ex_;
  Var item_, output_;
  int64_t n_items_;
};

// A sequence net (inputs "clicks", "mask"; NARM) as a scorer: each step it reads every lane's
// session so far — its last `steps` clicks — whole, and scores every item.
class PrefixSessionScorer final : public SessionScorer {
 public:
  PrefixSessionScorer(Exec& ex, int64_t steps, int64_t n_items);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;
  void advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) override;

 private:
  Exec& ex_;
  Var clicks_, mask_, output_;
  int64_t steps_, n_items_;
  std::vector<std::vector<int32_t>> history_;  // per lane
};

}  // namespace sr
