#include "models/baselines.h"
#include "models/models.h"

#include <algorithm>
#include <cmath>

#include "kernels/error.h"

namespace sr {

PopularityScorer::PopularityScorer(const HostCsr& m) : count_(static_cast<size_t>(m.cols), 0.0f) {
  for (int32_t c : m.col_idx) count_[c] += 1.0f;
}

void PopularityScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  out.resize(users.size() * count_.size());
  for (size_t u = 0; u < users.size(); ++u) std::copy(count_.begin(), count_.end(), out.begin() + u * count_.size());
}

ItemKnnScorer::ItemKnnScorer(const HostCsr& m, int k) : train_(m), n_items_(m.cols) {
  constexpr int64_t kMaxItems = 40000;  // 40k x 40k floats is 6.4 GB: the dense similarity's limit
  if (n_items_ > kMaxItems) throw error("item-kNN: ", n_items_, " items exceed the dense similarity's ", kMaxItems);
  if (k <= 0) throw error("item-kNN needs k >= 1, got ", k);
  // Co-occurrence counts from each user's pairs of items, then cosine over the item degrees.
  std::vector<float> co(static_cast<size_t>(n_items_ * n_items_), 0.0f);
  std::vector<float> degree(static_cast<size_t>(n_items_), 0.0f);
  for (int64_t u = 0; u < m.rows; ++u)
    for (int32_t a = m.row_ptr[u]; a < m.row_ptr[u + 1]; ++a) {
      degree[m.col_idx[a]] += 1.0f;
      for (int32_t b = m.row_ptr[u]; b < m.row_ptr[u + 1]; ++b)
        if (a != b) co[static_cast<size_t>(m.col_idx[a]) * n_items_ + m.col_idx[b]] += 1.0f;
    }
  neighbours_.resize(static_cast<size_t>(n_items_));
  std::vector<std::pair<int32_t, float>> row;
  for (int64_t i = 0; i < n_items_; ++i) {
    row.clear();
    for (int64_t j = 0; j < n_items_; ++j) {
      const float c = co[static_cast<size_t>(i * n_items_ + j)];
      if (c > 0.0f) row.emplace_back(static_cast<int32_t>(j), c / std::sqrt(degree[i] * degree[j]));
    }
    const size_t keep = std::min(row.size(), static_cast<size_t>(k));
    std::partial_sort(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(keep), row.end(),
                      [](const auto& a, const auto& b) {
                        return a.second > b.second || (a.second == b.second && a.first < b.first);
                      });
    neighbours_[i].assign(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(keep));
  }
}

void ItemKnnScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  out.assign(users.size() * static_cast<size_t>(n_items_), 0.0f);
  for (size_t u = 0; u < users.size(); ++u) {
    float* s = out.data() + u * static_cast<size_t>(n_items_);
    for (int32_t k = train_.row_ptr[users[u]]; k < train_.row_ptr[users[u] + 1]; ++k)
      for (const auto& [j, sim] : neighbours_[train_.col_idx[k]]) s[j] += sim;
  }
}

ModelEntry popularity_model() {
  return {"popularity",
          Task::topn,
          "baseline: every item by its number of training interactions",
          {},
          [](const ModelOptions&) {
            BuiltModel m;
            m.task = Task::topn;
            m.fit_topn = [](const HostCsr& train) { return std::make_unique<PopularityScorer>(train); };
            return m;
          },
          true};
}

ModelEntry itemknn_model() {
  return {"itemknn",
          Task::topn,
          "baseline: item-kNN, cosine similarity between items' sets of users",
          {integer("k", 100, 1, "neighbours kept per item")},
          [](const ModelOptions& o) {
            BuiltModel m;
            m.task = Task::topn;
            const int k = static_cast<int>(o.integer("k"));
            m.fit_topn = [k](const HostCsr& train) { return std::make_unique<ItemKnnScorer>(train, k); };
            return m;
          },
          true};
}

}  // namespace sr
