#include "engine/eval/session_eval.h"

#include <chrono>

#include "engine/data/batchers.h"
#include "engine/net/scoring.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

int64_t rank_with_ties_against(const float* scores, int64_t n, int32_t target) {
  const float t = scores[target];
  int64_t rank = 1;
  for (int64_t j = 0; j < n; ++j) rank += (j != target) & (scores[j] >= t);
  return rank;
}

void walk_sessions(SessionScorer& scorer, const Sessions& test, int lanes, const SessionStepVisitor& visit) {
  if (lanes <= 0) throw error("session evaluation needs at least one lane, got ", lanes);
  if (test.size() == 0) throw error("no test session with two or more clicks on training items");
  struct Lane {
    int64_t session = -1, pos = 0;
  };
  std::vector<Lane> lane(static_cast<size_t>(lanes));
  int64_t next_session = 0;
  std::vector<int32_t> items(static_cast<size_t>(lanes)), starts(static_cast<size_t>(lanes)),
      targets(static_cast<size_t>(lanes));
  std::vector<float> scores;
  for (;;) {
    bool any = false;
    for (int l = 0; l < lanes; ++l) {
      Lane& a = lane[l];
      starts[l] = 0;
      if (a.session >= 0 && a.pos + 1 >= static_cast<int64_t>(test[a.session].size())) a.session = -1;  // done
      if (a.session < 0 && next_session < test.size()) a = {next_session++, 0}, starts[l] = 1;
      items[l] = a.session >= 0 ? test[a.session][a.pos] : 0;  // an idle lane shows item 0, ignored
      targets[l] = a.session >= 0 ? test[a.session][a.pos + 1] : -1;
      any |= a.session >= 0;
    }
    if (!any) break;
    scorer.step(items, starts, scores);
    SR_CHECK(static_cast<int64_t>(scores.size()) == lanes * test.n_items, "scorer returned ", scores.size(),
             " scores for ", lanes, " lanes x ", test.n_items, " items");
    visit(items, starts, scores, targets);
    for (Lane& a : lane)
      if (a.session >= 0) ++a.pos;
  }
}

SessionMetrics evaluate_sessions(SessionScorer& scorer, const Sessions& test, int lanes, int k) {
  const auto t0 = std::chrono::steady_clock::now();
  SessionMetrics m;
  m.k = k;
  double hits = 0.0, rr = 0.0;
  walk_sessions(scorer, test, lanes,
                [&](const std::vector<int32_t>&, const std::vector<int32_t>&, const std::vector<float>& scores,
                    const std::vector<int32_t>& targets) {
                  for (size_t l = 0; l < targets.size(); ++l) {
                    if (targets[l] < 0) continue;
                    const int64_t rank = rank_with_ties_against(scores.data() + static_cast<int64_t>(l) * test.n_items,
                                                                test.n_items, targets[l]);
                    if (rank <= k) hits += 1.0, rr += 1.0 / static_cast<double>(rank);
                    ++m.events;
                  }
                });
  m.recall = hits / static_cast<double>(m.events);
  m.mrr = rr / static_cast<double>(m.events);
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

NetSessionScorer::NetSessionScorer(Exec& ex, int64_t n_items)
    : ex_(ex), item_(ex.net().input("item")), output_(ex.net().output()), n_items_(n_items) {
  ex_.state().clear();
}

void NetSessionScorer::feed(const std::vector<int32_t>& starts, const SparseBatch& in) {
  std::vector<int32_t> resets;
  for (size_t l = 0; l < starts.size(); ++l)
    if (starts[l]) resets.push_back(static_cast<int32_t>(l));
  ex_.reset_state(resets);
  ex_.bind(item_, &in);
}

void NetSessionScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                            std::vector<float>& scores) {
  const SparseBatch in(ex_.backend(), one_hot_rows(items, n_items_));
  feed(starts, in);
  scores = all_scores(ex_, output_).to_host();
}

void NetSessionScorer::advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) {
  const SparseBatch in(ex_.backend(), one_hot_rows(items, n_items_));
  feed(starts, in);
  ex_.run_until(output_);  // the recurrent state moves on; the output is not scored
}

PrefixSessionScorer::PrefixSessionScorer(Exec& ex, int64_t steps, int64_t n_items)
    : ex_(ex),
      clicks_(ex.net().input("clicks")),
      mask_(ex.net().input("mask")),
      output_(ex.net().output()),
      steps_(steps),
      n_items_(n_items) {}

void PrefixSessionScorer::advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) {
  history_.resize(items.size());
  for (size_t l = 0; l < items.size(); ++l) {
    if (starts[l]) history_[l].clear();
    history_[l].push_back(items[l]);
    if (static_cast<int64_t>(history_[l].size()) > steps_) history_[l].erase(history_[l].begin());
  }
}

void PrefixSessionScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                               std::vector<float>& scores) {
  history_.resize(items.size());
  std::vector<std::span<const int32_t>> prefixes;
  for (size_t l = 0; l < items.size(); ++l) {
    if (starts[l]) history_[l].clear();
    history_[l].push_back(items[l]);
    if (static_cast<int64_t>(history_[l].size()) > steps_)
      history_[l].erase(history_[l].begin());  // only the last steps count
    prefixes.emplace_back(history_[l]);
  }
  const PrefixInputs in = prefix_inputs(prefixes, steps_, n_items_);
  const SparseBatch c(ex_.backend(), in.clicks), m(ex_.backend(), in.mask);
  ex_.bind(clicks_, &c);
  ex_.bind(mask_, &m);
  scores = all_scores(ex_, output_).to_host();
}

}  // namespace sr
