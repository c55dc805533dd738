#include "engine/eval/cold_start_eval.h"

#include <algorithm>

#include "engine/data/rng.h"
#include "kernels/error.h"

namespace sr {

RecallAt recall_at(std::span<const float> scores, const HostCsr& relevant, std::span<const uint8_t> candidate,
                   const HostCsr* exclude, int k, std::span<const uint32_t> priority) {
  const int64_t U = relevant.rows, I = relevant.cols;
  SR_CHECK(static_cast<int64_t>(scores.size()) == U * I, "recall_at: ", scores.size(), " scores for ", U, " x ", I);
  SR_CHECK(static_cast<int64_t>(candidate.size()) == I && static_cast<int64_t>(priority.size()) == I,
           "recall_at: candidate and priority need one entry per item");
  SR_CHECK(!exclude || (exclude->rows == U && exclude->cols == I), "recall_at: an exclusion of ", exclude->rows, " x ",
           exclude->cols, " for ", U, " x ", I);
  if (k <= 0) throw error("recall_at: k must be positive, got ", k);
  RecallAt r;
  double sum = 0.0;
  std::vector<uint8_t> is_candidate;
  std::vector<int32_t> pool;
  for (int64_t u = 0; u < U; ++u) {
    is_candidate.assign(candidate.begin(), candidate.end());
    if (exclude)
      for (int32_t e = exclude->row_ptr[u]; e < exclude->row_ptr[u + 1]; ++e)
        is_candidate[static_cast<size_t>(exclude->col_idx[e])] = 0;
    int64_t n_rel = 0;
    for (int32_t e = relevant.row_ptr[u]; e < relevant.row_ptr[u + 1]; ++e)
      n_rel += is_candidate[static_cast<size_t>(relevant.col_idx[e])];
    if (n_rel == 0) continue;
    pool.clear();
    for (int32_t i = 0; i < I; ++i)
      if (is_candidate[static_cast<size_t>(i)]) pool.push_back(i);
    const float* s = scores.data() + u * I;
    const auto top = std::min<size_t>(static_cast<size_t>(k), pool.size());
    std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(top), pool.end(),
                      [&](int32_t a, int32_t b) { return s[a] != s[b] ? s[a] > s[b] : priority[a] > priority[b]; });
    int64_t hits = 0;
    for (size_t j = 0; j < top; ++j)
      hits += std::binary_search(relevant.col_idx.begin() + relevant.row_ptr[u],
                                 relevant.col_idx.begin() + relevant.row_ptr[u + 1], pool[j]);
    sum += static_cast<double>(hits) / static_cast<double>(std::min<int64_t>(k, n_rel));
    ++r.users;
  }
  r.recall = r.users > 0 ? sum / static_cast<double>(r.users) : 0.0;
  return r;
}

std::vector<uint32_t> tie_priority(int64_t items, uint64_t seed) {
  std::vector<uint32_t> p(static_cast<size_t>(items));
  Rng rng(stream_seed(seed, 2, 0x746965ull));
  for (auto& v : p) v = static_cast<uint32_t>(rng.next() >> 32);
  return p;
}

std::vector<float> genre_popularity_scores(const HostCsr& train_by_user, const HostCsr& item_side) {
  const int64_t U = train_by_user.rows, I = train_by_user.cols, C = item_side.cols;
  SR_CHECK(item_side.rows == I, "genre popularity: ", item_side.rows, " side rows for ", I, " items");
  std::vector<double> count(static_cast<size_t>(I), 0.0);
  for (int32_t i : train_by_user.col_idx) count[static_cast<size_t>(i)] += 1.0;
  std::vector<float> out(static_cast<size_t>(U * I));
  std::vector<double> share(static_cast<size_t>(C));
  for (int64_t u = 0; u < U; ++u) {
    std::fill(share.begin(), share.end(), 0.0);
    const int32_t b = train_by_user.row_ptr[u], e = train_by_user.row_ptr[u + 1];
    for (int32_t k = b; k < e; ++k) {
      const int32_t i = train_by_user.col_idx[k];
      for (int32_t f = item_side.row_ptr[i]; f < item_side.row_ptr[i + 1]; ++f)
        share[static_cast<size_t>(item_side.col_idx[f])] += 1.0;
    }
    const double n = std::max(1, e - b);
    for (int64_t i = 0; i < I; ++i) {
      double a = 0.0;
      for (int32_t f = item_side.row_ptr[i]; f < item_side.row_ptr[i + 1]; ++f)
        a += share[static_cast<size_t>(item_side.col_idx[f])] / n;
      out[static_cast<size_t>(u * I + i)] = static_cast<float>(a * (1.0 + count[static_cast<size_t>(i)]));
    }
  }
  return out;
}

std::vector<float> transpose_scores(std::span<const float> by_item, int64_t items, int64_t users) {
  SR_CHECK(static_cast<int64_t>(by_item.size()) == items * users, "transpose_scores: ", by_item.size(), " for ", items,
           " x ", users);
  std::vector<float> out(by_item.size());
  for (int64_t i = 0; i < items; ++i)
    for (int64_t u = 0; u < users; ++u)
      out[static_cast<size_t>(u * items + i)] = by_item[static_cast<size_t>(i * users + u)];
  return out;
}

}  // namespace sr
