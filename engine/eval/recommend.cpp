#include "engine/eval/recommend.h"

#include <algorithm>
#include <numeric>

#include "engine/net/dense_ops.h"
#include "engine/net/scoring.h"
#include "kernels/csr.h"
#include "kernels/error.h"

namespace sr {

namespace {

constexpr int64_t kUsersPerChunk = 1024;  // a chunk's score matrix is chunk x items floats on the device
constexpr int64_t kRowsPerChunk = 4096;   // input rows per forward pass when collecting hidden rows

// Expected ratings from logits laid out as `groups` x levels (consecutive levels per item): a
// softmax per group, then a product with the scale's values, on the device.
Tensor expected_ratings_on_device(Backend& be, const Tensor& logits, const RatingScale& scale) {
  const int levels = scale.levels;
  const int64_t groups = logits.numel() / levels;
  Tensor p(be, groups, levels), e(be, groups, 1);
  elementwise(be, EwKind::softmax_rows, groups, levels, {logits.data(), levels}, {}, p.data(), levels);
  std::vector<float> values(static_cast<size_t>(levels));
  for (int l = 0; l < levels; ++l) values[static_cast<size_t>(l)] = scale.value(l);
  const Tensor v = Tensor::from_host(be, values);
  matmul(be, mat(p), mat(v.data(), levels, 1), e.data());
  return e;
}

// The columns of the output for `ids` (rows of the other orientation), expanded to their levels.
std::vector<int32_t> level_columns(const std::vector<int32_t>& ids, int levels) {
  if (levels <= 0) return ids;
  std::vector<int32_t> cols;
  cols.reserve(ids.size() * static_cast<size_t>(levels));
  for (int32_t id : ids)
    for (int l = 0; l < levels; ++l) cols.push_back(id * levels + l);
  return cols;
}

}  // namespace

std::vector<std::vector<Scored>> select_topk(Backend& be, const Tensor& scores, int64_t n_users, int64_t n_items,
                                             bool transposed, const HostCsr& seen_rows, int k) {
  const IndexArray ptr = IndexArray::from_host(be, seen_rows.row_ptr);
  const IndexArray cols =
      IndexArray::from_host(be, seen_rows.col_idx.empty() ? std::vector<int32_t>{0} : seen_rows.col_idx);
  IndexArray index(be, n_users, k);
  Tensor best(be, n_users, k);
  TopKArgs t;
  t.rows = n_users, t.cols = n_items, t.scores = scores.data();
  t.row_stride = transposed ? 1 : n_items, t.col_stride = transposed ? n_users : 1;
  t.exclude_ptr = ptr.data(), t.exclude_cols = cols.data(), t.k = k, t.out_index = index.data(),
  t.out_score = best.data();
  be.topk(t);
  const auto idx = index.to_host();
  const auto val = best.to_host();
  std::vector<std::vector<Scored>> out(static_cast<size_t>(n_users));
  for (int64_t u = 0; u < n_users; ++u)
    for (int j = 0; j < k && idx[u * k + j] >= 0; ++j) out[u].push_back({idx[u * k + j], val[u * k + j]});
  return out;
}

std::vector<std::vector<Scored>> select_topk(Backend& be, const Tensor& scores, int64_t rows, int64_t cols, int k) {
  HostCsr none;
  none.rows = rows, none.cols = cols, none.row_ptr.assign(static_cast<size_t>(rows) + 1, 0);
  return select_topk(be, scores, rows, cols, false, none, k);
}

Tensor item_hidden_rows(Exec& ex, Var input, Var output, const HostCsr& inputs) {
  Backend& be = ex.backend();
  Tensor h_all;
  for (int64_t start = 0; start < inputs.rows; start += kRowsPerChunk) {
    std::vector<int32_t> ids(static_cast<size_t>(std::min(kRowsPerChunk, inputs.rows - start)));
    std::iota(ids.begin(), ids.end(), static_cast<int32_t>(start));
    const SparseBatch in(be, select_rows(inputs, ids));
    ex.bind(input, &in);
    const Tensor h = output_input(ex, output);
    if (h_all.empty()) h_all = Tensor(be, inputs.rows, h.cols());
    be.copy(h_all.data() + start * h.cols(), h.data(), h.bytes());
  }
  return h_all;
}

std::vector<std::vector<Scored>> recommend_topk(Exec& ex, Var input, Var output, const HostCsr& inputs,
                                                const HostCsr& seen, RowsAre rows, const std::vector<int32_t>& users,
                                                int k, const RatingScale* scale, const Tensor* item_hidden,
                                                const std::vector<float>* item_offsets) {
  const int levels = scale ? scale->levels : 0;
  if (k <= 0) throw error("top-K needs k >= 1, got ", k);
  const bool by_user = rows == RowsAre::users;
  const int64_t n_users = seen.rows, n_items = seen.cols;
  for (int32_t u : users)
    if (u < 0 || u >= n_users) throw error("user index ", u, " is outside [0, ", n_users, ")");
  Backend& be = ex.backend();

  // Item-based models score a user through every item row: the hidden rows of all items (given, or
  // collected here), then chunks of users scored as columns of the output.
  Tensor h_local;
  if (!by_user && !item_hidden) h_local = item_hidden_rows(ex, input, output, inputs);
  const Tensor& h_all = item_hidden ? *item_hidden : h_local;
  SR_CHECK(!item_offsets || (!scale && static_cast<int64_t>(item_offsets->size()) == n_items),
           "item offsets: one per item, without rating levels");
  const Tensor offsets = item_offsets ? Tensor::from_host(be, *item_offsets) : Tensor();

  std::vector<std::vector<Scored>> out;
  out.reserve(users.size());
  for (size_t start = 0; start < users.size(); start += kUsersPerChunk) {
    const std::vector<int32_t> chunk(
        users.begin() + static_cast<std::ptrdiff_t>(start),
        users.begin() + static_cast<std::ptrdiff_t>(std::min(users.size(), start + kUsersPerChunk)));
    const HostCsr seen_rows = select_rows(seen, chunk);
    Tensor scores;
    bool transposed = false;  // items x chunk rather than chunk x items
    if (by_user) {
      const SparseBatch in(be, select_rows(inputs, chunk));
      ex.bind(input, &in);
      scores = all_scores(ex, output);  // chunk x items (x levels)
    } else {
      const IndexArray cols = IndexArray::from_host(be, level_columns(chunk, levels));
      // Users as rows (a user's scores contiguous for its top-K), but for rating levels, which the
      // expected rating reads consecutively per (item, user): items x (chunk x levels).
      transposed = scale != nullptr;
      scores = column_scores(ex, output, h_all, cols, !transposed);
    }
    if (scale) scores = expected_ratings_on_device(be, scores, *scale);
    if (item_offsets)  // chunk x items (offsets come without rating levels)
      bias_act(be, static_cast<int64_t>(chunk.size()), n_items, scores.data(), offsets.data(), Act::identity,
               scores.data());
    std::vector<std::vector<Scored>> part =
        select_topk(be, scores, static_cast<int64_t>(chunk.size()), n_items, transposed, seen_rows, k);
    for (auto& p : part) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace sr
