#include "engine/eval/label_eval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/error.h"

namespace sr {

LabelMetrics label_metrics(const std::vector<float>& scores, const std::vector<float>& labels) {
  LabelMetrics m;
  m.n = static_cast<int64_t>(scores.size());
  if (m.n == 0) return m;
  double loss = 0.0, positives = 0.0;
  for (size_t k = 0; k < scores.size(); ++k) {
    if (!std::isfinite(scores[k]))
      throw error("label metrics: score ", k, " of ", scores.size(), " is ", scores[k], " (the net diverged)");
    const double p = std::clamp(1.0 / (1.0 + std::exp(-static_cast<double>(scores[k]))), 1e-7, 1.0 - 1e-7);
    loss -= labels[k] > 0.5f ? std::log(p) : std::log(1.0 - p);
    positives += labels[k] > 0.5f;
  }
  m.logloss = loss / static_cast<double>(m.n);
  m.positive_rate = positives / static_cast<double>(m.n);
  const double negatives = static_cast<double>(m.n) - positives;
  if (positives == 0.0 || negatives == 0.0) return m;
  // Mann-Whitney: the positives' mean rank, ties sharing their mean rank.
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0.0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k)
      if (labels[order[k]] > 0.5f) rank_sum += mid;
    i = j;
  }
  m.auc = (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
  return m;
}

LabelledPairs labelled_pairs(const Dataset& d, const Split& s, Part p, float positive_at) {
  LabelledPairs out;
  for (int64_t u = 0; u < d.n_users(); ++u)
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) {
      if (s.part[static_cast<size_t>(e)] != static_cast<uint8_t>(p)) continue;
      out.users.push_back(static_cast<int32_t>(u));
      out.items.push_back(d.items()[static_cast<size_t>(e)]);
      out.labels.push_back(d.rating(e) >= positive_at ? 1.0f : 0.0f);
    }
  return out;
}

LabelMetrics base_rate_metrics(const Dataset& d, const Split& s, Part heldout, float positive_at) {
  const LabelledPairs train = labelled_pairs(d, s, Part::train, positive_at);
  const LabelledPairs test = labelled_pairs(d, s, heldout, positive_at);
  double rate = 0.0;
  for (float l : train.labels) rate += l;
  rate = train.labels.empty() ? 0.5 : std::clamp(rate / static_cast<double>(train.labels.size()), 1e-6, 1.0 - 1e-6);
  const auto logit = static_cast<float>(std::log(rate / (1.0 - rate)));
  return label_metrics(std::vector<float>(test.labels.size(), logit), test.labels);
}

}  // namespace sr
