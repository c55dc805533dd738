#include "engine/eval/pair_scorer.h"

#include <algorithm>

#include "engine/data/batchers.h"
#include "engine/error.h"

namespace sr {

namespace {
constexpr size_t kPairsPerChunk = 1 << 18;  // the MLP's activations for this many pairs stay small
}

std::vector<float> score_pairs(Exec& ex, const PairInputs& in, const std::vector<int32_t>& users,
                               const std::vector<int32_t>& items) {
  SR_CHECK(users.size() == items.size(), "score_pairs: ", users.size(), " users for ", items.size(), " items");
  const Net& net = ex.net();
  const int64_t n_users = net.var(in.user).width, n_items = net.var(in.item).width;
  std::vector<float> out;
  out.reserve(users.size());
  for (size_t b = 0; b < users.size(); b += kPairsPerChunk) {
    const size_t e = std::min(users.size(), b + kPairsPerChunk);
    const std::vector<int32_t> u(users.begin() + b, users.begin() + e), i(items.begin() + b, items.begin() + e);
    const std::vector<float> no_labels(e - b, 0.0f);  // the loss is computed and ignored
    const SparseBatch su(ex.backend(), one_hot_rows(u, n_users)), si(ex.backend(), one_hot_rows(i, n_items));
    const SparseBatch sl(ex.backend(), one_hot_rows(std::vector<int32_t>(e - b, 0), 1, &no_labels));
    ex.bind(in.user, &su);
    ex.bind(in.item, &si);
    ex.bind(in.label, &sl);
    ex.forward(false);
    const std::vector<float> s = ex.slot(net.output()).value.to_host();
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

void PairScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  std::vector<int32_t> u, i;
  u.reserve(users.size() * static_cast<size_t>(n_items_)), i.reserve(u.capacity());
  for (int32_t user : users)
    for (int32_t item = 0; item < n_items_; ++item) u.push_back(user), i.push_back(item);
  out = score_pairs(ex_, in_, u, i);
}

RatingMetrics evaluate_pair_ratings(Exec& ex, const PairInputs& in, const Dataset& d, const Split& s, Part heldout) {
  const HostCsr train_m = part_matrix(d, s, Part::train, RowsAre::users);
  const HostCsr test_m = part_matrix(d, s, heldout, RowsAre::users);
  std::vector<int32_t> users, items;
  for (int32_t u = 0; u < test_m.rows; ++u)
    for (int32_t k = test_m.row_ptr[u]; k < test_m.row_ptr[u + 1]; ++k) users.push_back(u), items.push_back(test_m.col_idx[k]);
  const std::vector<float> pred = score_pairs(ex, in, users, items);
  return rating_metrics(d, s, train_m, test_m, pred);
}

}  // namespace sr
