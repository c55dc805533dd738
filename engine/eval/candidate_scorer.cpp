#include "engine/eval/candidate_scorer.h"

#include <algorithm>
#include <limits>

#include "kernels/error.h"

namespace sr {

namespace {
// The top-n columns of `row` (n_items scores) that `seen`'s row u does not hold, best first
// (ties: the lower index).
std::vector<int32_t> top_unseen(const float* row, int64_t n_items, const HostCsr& seen, int32_t u, int64_t n) {
  std::vector<char> skip(static_cast<size_t>(n_items), 0);
  if (u < seen.rows)
    for (int32_t k = seen.row_ptr[u]; k < seen.row_ptr[u + 1]; ++k) skip[static_cast<size_t>(seen.col_idx[k])] = 1;
  std::vector<int32_t> idx;
  idx.reserve(static_cast<size_t>(n_items));
  for (int32_t j = 0; j < n_items; ++j)
    if (!skip[static_cast<size_t>(j)]) idx.push_back(j);
  const auto better = [row](int32_t a, int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); };
  const auto keep = static_cast<ptrdiff_t>(std::min<int64_t>(n, static_cast<int64_t>(idx.size())));
  std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(), better);
  idx.resize(static_cast<size_t>(keep));
  return idx;
}
}  // namespace

CandidateScorer::CandidateScorer(Scorer& retrieval, Scorer& ranker, const HostCsr& seen, int64_t n)
    : retrieval_(retrieval), ranker_(ranker), seen_(seen), n_(n) {
  if (n < 1) throw error("two-stage ranking needs at least 1 candidate per user, got ", n);
}

void CandidateScorer::score(const std::vector<int32_t>& users, std::vector<float>& out) {
  retrieval_.score(users, retrieved_);
  ranker_.score(users, out);
  SR_CHECK(retrieved_.size() == out.size(), "two-stage ranking: the retrieval scored ", retrieved_.size(),
           " entries, the ranker ", out.size());
  const int64_t n_items = seen_.cols;
  SR_CHECK(out.size() == users.size() * static_cast<size_t>(n_items), "two-stage ranking: ", out.size(), " scores for ",
           users.size(), " users x ", n_items, " items");
  std::vector<float> row;
  for (size_t r = 0; r < users.size(); ++r) {
    float* o = out.data() + r * n_items;
    row.assign(static_cast<size_t>(n_items), std::numeric_limits<float>::lowest());
    for (int32_t j : top_unseen(retrieved_.data() + r * n_items, n_items, seen_, users[r], n_))
      row[static_cast<size_t>(j)] = o[j];
    std::copy(row.begin(), row.end(), o);
  }
}

double retrieval_recall(Scorer& retrieval, const HostCsr& targets, const HostCsr& seen, int64_t n) {
  constexpr int64_t kBlock = 256;
  std::vector<int32_t> users;
  for (int32_t u = 0; u < targets.rows; ++u)
    if (targets.row_ptr[u + 1] > targets.row_ptr[u]) users.push_back(u);
  if (users.empty()) throw error("retrieval recall: no user has a target");
  int64_t hits = 0;
  std::vector<float> scores;
  for (size_t b = 0; b < users.size(); b += kBlock) {
    const std::vector<int32_t> block(users.begin() + static_cast<ptrdiff_t>(b),
                                     users.begin() + static_cast<ptrdiff_t>(std::min(b + kBlock, users.size())));
    retrieval.score(block, scores);
    const int64_t n_items = seen.cols;
    SR_CHECK(scores.size() == block.size() * static_cast<size_t>(n_items), "retrieval recall: ", scores.size(),
             " scores for ", block.size(), " users x ", n_items, " items");
    for (size_t r = 0; r < block.size(); ++r) {
      const int32_t u = block[r], target = targets.col_idx[static_cast<size_t>(targets.row_ptr[u])];
      const std::vector<int32_t> top = top_unseen(scores.data() + r * n_items, n_items, seen, u, n);
      hits += std::find(top.begin(), top.end(), target) != top.end();
    }
  }
  return static_cast<double>(hits) / static_cast<double>(users.size());
}

}  // namespace sr
