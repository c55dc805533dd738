#include "engine/eval/pair_scorer.h"

#include <algorithm>

#include "engine/data/batchers.h"
#include "kernels/error.h"

namespace sr {

namespace {
constexpr size_t kPairsPerChunk = 1 << 18;  // the MLP's activations for this many pairs stay small

// Every (user, item) pair of the users, user-major: their all-items score matrix as pairs.
void all_items(const std::vector<int32_t>& users, int64_t n_items, std::vector<int32_t>& u, std::vector<int32_t>& i) {
  u.clear(), i.clear();
  u.reserve(users.size() * static_cast<size_t>(n_items)), i.reserve(u.capacity());
  for (int32_t user : users)
    for (int32_t item = 0; item < n_items; ++item) u.push_back(user), i.push_back(item);
}

// Binds the pairs (users[k], items[k]) and runs the net; its output holds their scores.
void forward_pairs(Exec& ex, const PairInputs& in, const std::vector<int32_t>& u, const std::vector<int32_t>& i) {
  const std::vector<float> no_labels(u.size(), 0.0f);  // the loss is computed and ignored
  const std::vector<HostCsr> rows = in.rows(u, i, no_labels);
  const std::vector<Var> vars = in.vars();
  std::vector<SparseBatch> batches;
  batches.reserve(rows.size());
  for (const HostCsr& r : rows) batches.emplace_back(ex.backend(), r);
  for (size_t k = 0; k < vars.size(); ++k) ex.bind(vars[k], &batches[k]);
  ex.forward(false);
}
}  // namespace

std::vector<float> score_pairs(Exec& ex, const PairInputs& in, const std::vector<int32_t>& users,
                               const std::vector<int32_t>& items) {
  SR_CHECK(users.size() == items.size(), "score_pairs: ", users.size(), " users for ", items.size(), " items");
  std::vector<float> out;
  out.reserve(users.size());
  for (size_t b = 0; b < users.size(); b += kPairsPerChunk) {
    const size_t e = std::min(users.size(), b + kPairsPerChunk);
    const std::vector<int32_t> u(users.begin() + b, users.begin() + e), i(items.begin() + b, items.begin() + e);
    forward_pairs(ex, in, u, i);
    const std::vector<float> s = ex.slot(ex.net().output()).value.to_host();
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

void PairScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  std::vector<int32_t> u, i;
  all_items(users, n_items_, u, i);
  out = score_pairs(ex_, in_, u, i);
}

std::vector<std::vector<Scored>> recommend_pairs_topk(Exec& ex, const PairInputs& in, const HostCsr& train_by_user,
                                                      const std::vector<int32_t>& users, int k) {
  if (k <= 0) throw error("top-K needs k >= 1, got ", k);
  const int64_t n_items = train_by_user.cols;
  for (int32_t u : users)
    if (u < 0 || u >= train_by_user.rows) throw error("user index ", u, " is outside [0, ", train_by_user.rows, ")");
  const size_t per_chunk = std::max<size_t>(1, kPairsPerChunk / static_cast<size_t>(std::max<int64_t>(n_items, 1)));
  std::vector<std::vector<Scored>> out;
  for (size_t b = 0; b < users.size(); b += per_chunk) {
    const std::vector<int32_t> chunk(users.begin() + b, users.begin() + std::min(users.size(), b + per_chunk));
    std::vector<int32_t> u, i;
    all_items(chunk, n_items, u, i);
    forward_pairs(ex, in, u, i);
    const Tensor& scores = ex.slot(ex.net().output()).value;  // chunk x items, user-major
    for (auto& r : select_topk(ex.backend(), scores, static_cast<int64_t>(chunk.size()), n_items, false,
                               select_rows(train_by_user, chunk), k))
      out.push_back(std::move(r));
  }
  return out;
}

RatingMetrics evaluate_pair_ratings(Exec& ex, const PairInputs& in, const Dataset& d, const Split& s, Part heldout) {
  const HostCsr train_m = part_matrix(d, s, Part::train, RowsAre::users);
  const HostCsr test_m = part_matrix(d, s, heldout, RowsAre::users);
  std::vector<int32_t> users, items;
  for (int32_t u = 0; u < test_m.rows; ++u)
    for (int32_t k = test_m.row_ptr[u]; k < test_m.row_ptr[u + 1]; ++k)
      users.push_back(u), items.push_back(test_m.col_idx[k]);
  const std::vector<float> pred = score_pairs(ex, in, users, items);
  return rating_metrics(d, s, train_m, test_m, pred);
}

}  // namespace sr
