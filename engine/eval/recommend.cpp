#include "engine/eval/recommend.h"

#include <algorithm>
#include <numeric>
#include <queue>
#include <unordered_set>

#include "engine/error.h"
#include "engine/train/trainer.h"

namespace sr {

namespace {

constexpr int64_t kRowsPerChunk = 2048;

// "a ranks before b": higher score, then lower item id.
bool better(const Scored& a, const Scored& b) { return a.score > b.score || (a.score == b.score && a.item < b.item); }

// Keeps the k best candidates seen so far (a heap whose top is the worst kept).
class TopK {
 public:
  explicit TopK(int k) : k_(static_cast<size_t>(k)) {}
  void offer(Scored s) {
    if (heap_.size() < k_) {
      heap_.push_back(s);
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (k_ > 0 && better(s, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = s;
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }
  std::vector<Scored> sorted() const {
    std::vector<Scored> out = heap_;
    std::sort(out.begin(), out.end(), better);
    return out;
  }

 private:
  size_t k_;
  std::vector<Scored> heap_;
};

}  // namespace

std::vector<std::vector<Scored>> recommend_topk(Exec& ex, Var input, Var output, const HostCsr& train, RowsAre rows,
                                                const std::vector<int32_t>& users, int k) {
  if (k <= 0) throw error("top-K needs k >= 1, got ", k);
  const int64_t n_users = rows == RowsAre::users ? train.rows : train.cols;
  std::vector<int32_t> slot(static_cast<size_t>(n_users), -1);
  for (size_t i = 0; i < users.size(); ++i) {
    if (users[i] < 0 || users[i] >= n_users) throw error("user index ", users[i], " is outside [0, ", n_users, ")");
    slot[users[i]] = static_cast<int32_t>(i);
  }
  std::vector<TopK> best(users.size(), TopK(k));
  // Seen (user, item) pairs, to exclude.
  std::vector<std::unordered_set<int32_t>> seen(users.size());
  for (int64_t r = 0; r < train.rows; ++r)
    for (int32_t e = train.row_ptr[r]; e < train.row_ptr[r + 1]; ++e) {
      const int32_t u = rows == RowsAre::users ? static_cast<int32_t>(r) : train.col_idx[e];
      const int32_t i = rows == RowsAre::users ? train.col_idx[e] : static_cast<int32_t>(r);
      if (slot[u] >= 0) seen[slot[u]].insert(i);
    }

  std::vector<int32_t> chunk_rows;
  if (rows == RowsAre::users) chunk_rows = users;  // only the requested users' rows are needed
  else {
    chunk_rows.resize(static_cast<size_t>(train.rows));
    std::iota(chunk_rows.begin(), chunk_rows.end(), 0);
  }
  for (size_t start = 0; start < chunk_rows.size(); start += kRowsPerChunk) {
    const size_t end = std::min(chunk_rows.size(), start + static_cast<size_t>(kRowsPerChunk));
    const std::vector<int32_t> ids(chunk_rows.begin() + start, chunk_rows.begin() + end);
    const SparseBatch in(ex.backend(), select_rows(train, ids));
    ex.bind(input, &in);
    const std::vector<float> scores = ex.dense_scores(output).to_host();
    const int64_t width = train.cols;
    for (size_t r = 0; r < ids.size(); ++r) {
      const float* row = scores.data() + r * width;
      if (rows == RowsAre::users) {
        const int32_t s = slot[ids[r]];
        for (int32_t i = 0; i < width; ++i)
          if (!seen[s].count(i)) best[s].offer({i, row[i]});
      } else {
        const int32_t item = ids[r];
        for (size_t s = 0; s < users.size(); ++s)
          if (!seen[s].count(item)) best[s].offer({item, row[users[s]]});
      }
    }
  }
  std::vector<std::vector<Scored>> out;
  out.reserve(best.size());
  for (const auto& b : best) out.push_back(b.sorted());
  return out;
}

}  // namespace sr
