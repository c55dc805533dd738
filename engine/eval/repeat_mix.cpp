#include "engine/eval/repeat_mix.h"

#include <algorithm>
#include <cmath>

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

void RepeatMixScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                           std::vector<float>& scores) {
  inner_->step(items, starts, scores);
  follow(items, starts);
  if (weight_ == 0.0f) return;
  const size_t n = static_cast<size_t>(n_items_);
  SR_CHECK(scores.size() == items.size() * n, "repeat mix: ", scores.size(), " scores for ", items.size(), " lanes of ",
           n, " items");
  // p_i ∝ e_i + k·c_i with e_i = exp(s_i − max s), k = w·z / ((1 − w)·clicks), z = Σ e: the same
  // order as the mixture, written back as a log (a logit's scale) for the session's items only.
  const double odds = static_cast<double>(weight_) / (1.0 - static_cast<double>(weight_));
  for (size_t l = 0; l < items.size(); ++l) {
    float* row = scores.data() + l * n;
    const float top = *std::max_element(row, row + n);
    double z = 0.0;
    for (size_t i = 0; i < n; ++i) z += std::exp(row[i] - top);
    const double k = odds * z / static_cast<double>(clicks_[l].size());
    std::vector<int32_t> distinct(clicks_[l]);
    std::sort(distinct.begin(), distinct.end());
    for (size_t a = 0; a < distinct.size();) {
      size_t b = a;
      while (b < distinct.size() && distinct[b] == distinct[a]) ++b;
      float& x = row[distinct[a]];
      x = top + static_cast<float>(std::log(std::exp(static_cast<double>(x - top)) + k * static_cast<double>(b - a)));
      a = b;
    }
  }
}

const std::vector<float>& repeat_weight_grid() {
  static const std::vector<float> grid = {0.0f, 0.05f, 0.1f, 0.2f, 0.3f, 0.5f, 0.7f};
  return grid;
}

RepeatChoice choose_repeat_weight(SessionScorer& scorer, const Sessions& valid, int lanes) {
  RepeatChoice c;
  double best = -1.0;
  for (float w : repeat_weight_grid()) {
    RepeatMixScorer mix(scorer, valid.n_items, w);
    const double mrr = evaluate_sessions(mix, valid, lanes, 20).mrr;
    c.mrr.push_back(mrr);
    if (mrr > best) best = mrr, c.weight = w;
  }
  return c;
}

}  // namespace sr
