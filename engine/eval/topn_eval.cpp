#include "engine/eval/topn_eval.h"

#include <algorithm>
#include <cmath>

#include "kernels/error.h"

namespace sr {

namespace {
constexpr int64_t kUsersPerChunk = 256;  // scores of a chunk: chunk x items floats
}

int64_t rank_against(const float* scores, int32_t target, const int32_t* candidates, int64_t n) {
  const float t = scores[target];
  int64_t rank = 1;
  for (int64_t k = 0; k < n; ++k) rank += candidates[k] != target && scores[candidates[k]] >= t;
  return rank;
}

TopNMetrics evaluate_topn(Scorer& scorer, const HostCsr& targets, const HostCsr& train,
                          const std::vector<int32_t>& negatives, int per_user) {
  const int64_t n_items = targets.cols;
  if (train.rows != targets.rows || train.cols != n_items)
    throw error("top-N evaluation: train and targets differ in shape");
  if (static_cast<int64_t>(negatives.size()) != targets.rows * per_user)
    throw error("top-N evaluation: ", negatives.size(), " negatives for ", targets.rows, " users x ", per_user);
  std::vector<int32_t> users;
  for (int64_t u = 0; u < targets.rows; ++u) {
    const int32_t n = targets.row_ptr[u + 1] - targets.row_ptr[u];
    if (n > 1) throw error("top-N evaluation expects one held-out item per user; user ", u, " has ", n);
    if (n == 1) users.push_back(static_cast<int32_t>(u));
  }
  TopNMetrics m;
  std::vector<float> scores;
  std::vector<uint8_t> excluded(static_cast<size_t>(n_items), 0);
  for (size_t start = 0; start < users.size(); start += kUsersPerChunk) {
    const std::vector<int32_t> chunk(
        users.begin() + static_cast<std::ptrdiff_t>(start),
        users.begin() + static_cast<std::ptrdiff_t>(std::min(users.size(), start + kUsersPerChunk)));
    scorer.score(chunk, scores);
    for (size_t c = 0; c < chunk.size(); ++c) {
      const int32_t u = chunk[c];
      const float* s = scores.data() + c * static_cast<size_t>(n_items);
      for (int64_t j = 0; j < n_items; ++j)
        if (!std::isfinite(s[j]))
          throw error("top-N evaluation: the model scored user ", u, ", item ", j, " as ", s[j]);
      const int32_t target = targets.col_idx[targets.row_ptr[u]];
      // Sampled: the target against its user's negatives.
      const int64_t r10 = rank_against(s, target, negatives.data() + static_cast<size_t>(u) * per_user, per_user);
      if (r10 <= 10) m.hr10 += 1.0, m.ndcg10 += 1.0 / std::log2(static_cast<double>(r10) + 1.0);
      // Full ranking: every item outside the user's training set.
      for (int32_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) excluded[train.col_idx[k]] = 1;
      const float t = s[target];
      int64_t rank = 1;
      for (int64_t j = 0; j < n_items; ++j) rank += !excluded[j] && j != target && s[j] >= t;
      for (int32_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) excluded[train.col_idx[k]] = 0;
      if (rank <= 20) {
        m.recall20 += 1.0;
        m.ndcg20 += 1.0 / std::log2(static_cast<double>(rank) + 1.0);
        m.mrr20 += 1.0 / static_cast<double>(rank);
      }
    }
  }
  m.users = static_cast<int64_t>(users.size());
  if (m.users > 0) {
    const double n = static_cast<double>(m.users);
    m.hr10 /= n, m.ndcg10 /= n, m.recall20 /= n, m.ndcg20 /= n, m.mrr20 /= n;
  }
  return m;
}

}  // namespace sr
