#include "models/session_baselines.h"
#include "models/models.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "kernels/error.h"

namespace sr {

namespace {
void check_items(const Sessions& train) {
  if (train.size() == 0) throw error("session baselines: no training session with two or more clicks");
}
}  // namespace

SessionPopularityScorer::SessionPopularityScorer(const Sessions& train) {
  check_items(train);
  for (int64_t c : item_counts(train)) pop_.push_back(static_cast<float>(c));
}

void SessionPopularityScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>&,
                                   std::vector<float>& scores) {
  scores.clear();
  for (size_t l = 0; l < items.size(); ++l) scores.insert(scores.end(), pop_.begin(), pop_.end());
}

SessionPopScorer::SessionPopScorer(const Sessions& train) {
  check_items(train);
  const std::vector<int64_t> c = item_counts(train);
  const double top = static_cast<double>(*std::max_element(c.begin(), c.end())) + 1.0;
  for (int64_t x : c) tiebreak_.push_back(static_cast<float>(static_cast<double>(x) / top));
}

void SessionPopScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                            std::vector<float>& scores) {
  seen_.resize(items.size());
  scores.clear();
  for (size_t l = 0; l < items.size(); ++l) {
    if (starts[l]) seen_[l].clear();
    seen_[l].push_back(items[l]);
    const size_t row = scores.size();
    scores.insert(scores.end(), tiebreak_.begin(), tiebreak_.end());
    for (int32_t i : seen_[l]) scores[row + static_cast<size_t>(i)] += 1.0f;
  }
}

SessionItemKnnScorer::SessionItemKnnScorer(const Sessions& train, float lambda, float alpha) : n_items_(train.n_items) {
  check_items(train);
  std::vector<int64_t> support(static_cast<size_t>(n_items_), 0);
  std::vector<std::map<int32_t, int64_t>> co(static_cast<size_t>(n_items_));
  for (int64_t s = 0; s < train.size(); ++s) {
    std::vector<int32_t> u(train[s].begin(), train[s].end());
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    for (int32_t i : u) ++support[i];
    for (int32_t i : u)
      for (int32_t j : u)
        if (i != j) ++co[i][j];
  }
  neighbours_.resize(static_cast<size_t>(n_items_));
  for (int64_t i = 0; i < n_items_; ++i)
    for (const auto& [j, n] : co[i])
      neighbours_[i].push_back(
          {j, static_cast<float>(static_cast<double>(n) /
                                 (std::pow(support[i] + lambda, alpha) * std::pow(support[j] + lambda, 1.0 - alpha)))});
}

void SessionItemKnnScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>&,
                                std::vector<float>& scores) {
  scores.assign(items.size() * static_cast<size_t>(n_items_), 0.0f);
  for (size_t l = 0; l < items.size(); ++l)
    for (const auto& [j, sim] : neighbours_[items[l]])
      scores[l * static_cast<size_t>(n_items_) + static_cast<size_t>(j)] = sim;
}

namespace {
ModelEntry session_baseline(std::string name, std::string summary, std::vector<OptionSpec> options,
                            std::function<std::unique_ptr<SessionScorer>(const ModelOptions&, const Sessions&)> fit) {
  return {std::move(name),
          Task::sessions,
          std::move(summary),
          std::move(options),
          [fit](const ModelOptions& o) {
            BuiltModel m;
            m.task = Task::sessions;
            m.fit_sessions = [fit, o](const Sessions& train) { return fit(o, train); };
            return m;
          },
          true};
}
}  // namespace

ModelEntry session_popularity_model() {
  return session_baseline(
      "popularity", "baseline: every item by its number of training clicks", {},
      [](const ModelOptions&, const Sessions& t) { return std::make_unique<SessionPopularityScorer>(t); });
}

ModelEntry spop_model() {
  return session_baseline("spop", "baseline: items by their clicks in the session so far, ties by popularity", {},
                          [](const ModelOptions&, const Sessions& t) { return std::make_unique<SessionPopScorer>(t); });
}

ModelEntry session_itemknn_model() {
  return session_baseline("itemknn",
                          "baseline: items by their co-occurrence with the session's last click (GRU4Rec's item-kNN)",
                          {real("lambda", 20.0, 0.0, kInf, "the similarity's regularization λ"),
                           real("alpha", 0.5, 0.0, 1.0, "the similarity's exponent α of the first item's count")},
                          [](const ModelOptions& o, const Sessions& t) {
                            return std::make_unique<SessionItemKnnScorer>(t, static_cast<float>(o.real("lambda")),
                                                                          static_cast<float>(o.real("alpha")));
                          });
}

}  // namespace sr
