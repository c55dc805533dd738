#include "engine/eval/factor_scorer.h"

#include "engine/net/dense_ops.h"
#include "kernels/error.h"

namespace sr {

FactorScorer::FactorScorer(Backend& be, const PairFactors& f) : be_(be), act_(f.act) {
  SR_CHECK(
      f.dim > 0 && f.users.size() % static_cast<size_t>(f.dim) == 0 && f.items.size() % static_cast<size_t>(f.dim) == 0,
      "FactorScorer: factors of ", f.users.size(), " and ", f.items.size(), " floats are not rows of ", f.dim);
  const auto d = f.dim;
  users_ = Tensor::from_host(be, f.users, static_cast<int64_t>(f.users.size()) / d, d);
  items_ = Tensor::from_host(be, f.items, static_cast<int64_t>(f.items.size()) / d, d);
}

Tensor FactorScorer::scores(const std::vector<int32_t>& users) const {
  const int64_t d = users_.cols(), n = static_cast<int64_t>(users.size());
  for (int32_t u : users)
    if (u < 0 || u >= n_users()) throw error("user index ", u, " is outside [0, ", n_users(), ")");
  // A run of consecutive users (what a batch job over all users asks for) is read in place;
  // otherwise the block's rows are copied together first.
  bool consecutive = true;
  for (int64_t r = 1; r < n && consecutive; ++r) consecutive = users[r] == users[r - 1] + 1;
  Tensor gathered;
  const float* rows = n > 0 ? users_.data() + int64_t{users[0]} * d : users_.data();
  if (!consecutive) {
    gathered = Tensor(be_, n, d);
    for (int64_t r = 0; r < n; ++r)
      be_.copy(gathered.data() + r * d, users_.data() + int64_t{users[r]} * d, d * sizeof(float));
    rows = gathered.data();
  }
  Tensor s(be_, n, n_items());
  matmul(be_, mat(rows, n, d), mat(items_).t(), s.data());
  if (act_ != Act::identity) bias_act(be_, n, n_items(), s.data(), nullptr, act_, s.data());
  return s;
}

std::vector<std::vector<Scored>> FactorScorer::topk(const HostCsr& seen, const std::vector<int32_t>& users,
                                                    int k) const {
  if (k <= 0) throw error("top-K needs k >= 1, got ", k);
  const Tensor s = scores(users);
  return select_topk(be_, s, static_cast<int64_t>(users.size()), n_items(), false, select_rows(seen, users), k);
}

}  // namespace sr
