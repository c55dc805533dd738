#include "engine/eval/repeat_mix.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "kernels/error.h"

namespace sr {

RepeatMixScorer::RepeatMixScorer(std::unique_ptr<SessionScorer> inner, int64_t n_items, float weight)
    : RepeatMixScorer(*inner, n_items, weight) {
  owned_ = std::move(inner);
}

RepeatMixScorer::RepeatMixScorer(SessionScorer& inner, int64_t n_items, float weight)
    : inner_(&inner), n_items_(n_items), weight_(weight) {
  if (!(weight >= 0.0f && weight < 1.0f)) throw error("repeat weight must be in [0, 1), got ", weight);
}

void RepeatMixScorer::follow(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) {
  if (clicks_.size() < items.size()) clicks_.resize(items.size());
  for (size_t l = 0; l < items.size(); ++l) {
    if (starts[l]) clicks_[l].clear();
    clicks_[l].push_back(items[l]);
  }
}

void RepeatMixScorer::advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) {
  inner_->advance(items, starts);
  follow(items, starts);
}

namespace {

// A lane's softmax: its top score and z = Σ exp(s − top).
struct Softmax {
  float top = 0.0f;
  double z = 0.0;
};
Softmax softmax_of(const float* row, size_t n) {
  Softmax sm;
  sm.top = *std::max_element(row, row + n);
  for (size_t i = 0; i < n; ++i) sm.z += std::exp(row[i] - sm.top);
  return sm;
}

// The session's distinct items with how often it showed them.
std::vector<std::pair<int32_t, size_t>> counted(std::vector<int32_t> clicks) {
  std::sort(clicks.begin(), clicks.end());
  std::vector<std::pair<int32_t, size_t>> c;
  for (size_t a = 0; a < clicks.size();) {
    size_t b = a;
    while (b < clicks.size() && clicks[b] == clicks[a]) ++b;
    c.emplace_back(clicks[a], b - a);
    a = b;
  }
  return c;
}

// p_i ∝ e_i + k·c_i with e_i = exp(s_i − max s), k = w·z / ((1 − w)·clicks), z = Σ e: the same
// order as the mixture, written back as a log (a logit's scale). Items the session did not show
// keep their scores; `x` is the score of one it showed `count` times of `clicks`.
float mixed_score(float x, const Softmax& sm, float weight, size_t clicks, size_t count) {
  const double odds = static_cast<double>(weight) / (1.0 - static_cast<double>(weight));
  const double k = odds * sm.z / static_cast<double>(clicks);
  return sm.top +
         static_cast<float>(std::log(std::exp(static_cast<double>(x - sm.top)) + k * static_cast<double>(count)));
}

}  // namespace

void RepeatMixScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                           std::vector<float>& scores) {
  inner_->step(items, starts, scores);
  follow(items, starts);
  if (weight_ == 0.0f) return;
  const size_t n = static_cast<size_t>(n_items_);
  SR_CHECK(scores.size() == items.size() * n, "repeat mix: ", scores.size(), " scores for ", items.size(), " lanes of ",
           n, " items");
  for (size_t l = 0; l < items.size(); ++l) {
    float* row = scores.data() + l * n;
    const Softmax sm = softmax_of(row, n);
    for (const auto& [item, count] : counted(clicks_[l]))
      row[item] = mixed_score(row[item], sm, weight_, clicks_[l].size(), count);
  }
}

const std::vector<float>& repeat_weight_grid() {
  static const std::vector<float> grid = {0.0f, 0.05f, 0.1f, 0.2f, 0.3f, 0.5f, 0.7f};
  return grid;
}

namespace {
// The target's rank under weight w (> 0), given its rank `own` under the net's scores `row`:
// only the shown items' scores change, so unless the target is one of them its rank moves by
// theirs alone; a shown target's own score moves too, and it is counted again against every item.
int64_t mixed_rank(const float* row, int64_t n, int32_t t, int64_t own, const Softmax& sm,
                   const std::vector<std::pair<int32_t, size_t>>& shown, size_t clicks, float w) {
  auto mixed = [&](const std::pair<int32_t, size_t>& c) { return mixed_score(row[c.first], sm, w, clicks, c.second); };
  const auto it = std::find_if(shown.begin(), shown.end(), [t](const auto& c) { return c.first == t; });
  const float target = it == shown.end() ? row[t] : mixed(*it);
  int64_t rank = own;
  if (it != shown.end()) {
    rank = 1;
    for (int64_t j = 0; j < n; ++j) rank += (j != t) & (row[j] >= target);
  }
  for (const auto& c : shown)  // the shown items with their mixed scores instead
    if (c.first != t) rank += (mixed(c) >= target) - (row[c.first] >= target);
  return rank;
}
}  // namespace

// One pass of the net for every weight: a weight changes only the scores of the session's own
// items, so each ranking is the net's with those few scores replaced (the same numbers as
// RepeatMixScorer's, so the MRR of the weight chosen is what evaluating with it gives).
RepeatChoice choose_repeat_weight(SessionScorer& scorer, const Sessions& valid, int lanes) {
  const std::vector<float>& grid = repeat_weight_grid();
  constexpr int64_t kCut = 20;
  const int64_t n = valid.n_items;
  std::vector<double> rr(grid.size(), 0.0);
  int64_t events = 0;
  std::vector<std::vector<int32_t>> clicks(static_cast<size_t>(std::max(lanes, 0)));
  walk_sessions(scorer, valid, lanes,
                [&](const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                    const std::vector<float>& scores, const std::vector<int32_t>& targets) {
                  for (size_t l = 0; l < items.size(); ++l) {  // as RepeatMixScorer::follow
                    if (starts[l]) clicks[l].clear();
                    clicks[l].push_back(items[l]);
                  }
                  for (size_t l = 0; l < targets.size(); ++l) {
                    const int32_t t = targets[l];
                    if (t < 0) continue;
                    ++events;
                    const float* row = scores.data() + static_cast<int64_t>(l) * n;
                    const Softmax sm = softmax_of(row, static_cast<size_t>(n));
                    const auto shown = counted(clicks[l]);
                    const int64_t own = rank_with_ties_against(row, n, t);  // weight 0
                    for (size_t g = 0; g < grid.size(); ++g) {
                      const int64_t rank =
                          grid[g] == 0.0f ? own : mixed_rank(row, n, t, own, sm, shown, clicks[l].size(), grid[g]);
                      if (rank <= kCut) rr[g] += 1.0 / static_cast<double>(rank);
                    }
                  }
                });
  RepeatChoice c;
  double best = -1.0;
  for (size_t g = 0; g < grid.size(); ++g) {
    c.mrr.push_back(rr[g] / static_cast<double>(events));
    if (c.mrr[g] > best) best = c.mrr[g], c.weight = grid[g];
  }
  return c;
}

}  // namespace sr
