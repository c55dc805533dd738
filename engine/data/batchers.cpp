#include "engine/data/batchers.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "engine/data/rng.h"
#include "kernels/csr.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

RowBatcher::RowBatcher(const HostCsr& m, int64_t batch_rows, uint64_t seed)
    : m_(m), batch_rows_(batch_rows <= 0 || batch_rows >= m.rows ? m.rows : batch_rows), seed_(seed) {
  order_.resize(static_cast<size_t>(m.rows));
  std::iota(order_.begin(), order_.end(), 0);
}

void RowBatcher::start_epoch(int epoch) {
  if (batch_rows_ >= m_.rows) return;  // full batch: no order to speak of
  std::iota(order_.begin(), order_.end(), 0);
  Rng rng(stream_seed(seed_, static_cast<uint64_t>(epoch), 0));
  rng.shuffle(order_);
}

int64_t RowBatcher::batches() const { return batch_rows_ > 0 ? (m_.rows + batch_rows_ - 1) / batch_rows_ : 0; }

int64_t RowBatcher::rows_in(int64_t k) const {
  return k < batches() ? std::min(batch_rows_, m_.rows - k * batch_rows_) : 0;
}

bool RowBatcher::fill(int64_t k, HostBatch& out) const {
  if (k >= batches()) return false;
  const int64_t b = k * batch_rows_, e = std::min(b + batch_rows_, m_.rows);
  encode_sparse_batch(select_rows(m_, std::vector<int32_t>(order_.begin() + b, order_.begin() + e)), out);
  return true;
}

RowTargetBatcher::RowTargetBatcher(const HostCsr& input, const HostCsr& positives, int negatives, int64_t batch_rows,
                                   uint64_t seed)
    : rows_(input, batch_rows, seed),
      positives_(positives),
      negatives_(negatives),
      seed_(seed),
      batch_rows_(batch_rows <= 0 || batch_rows >= input.rows ? input.rows : batch_rows) {
  if (positives.rows != input.rows) throw error("targets have ", positives.rows, " rows, the input ", input.rows);
  if (negatives < 0) throw error("negatives per positive must be >= 0, got ", negatives);
}

void RowTargetBatcher::start_epoch(int epoch) {
  epoch_ = epoch;
  rows_.start_epoch(epoch);
}

bool RowTargetBatcher::fill(int64_t k, HostBatch& out) const {
  if (!rows_.fill(k, out)) return false;
  const int64_t b = k * batch_rows_, e = std::min<int64_t>(b + batch_rows_, static_cast<int64_t>(rows_.order().size()));
  HostCsr t;
  t.rows = e - b, t.cols = positives_.cols;
  std::vector<std::pair<int32_t, float>> entries;
  for (int64_t r = b; r < e; ++r) {
    const int32_t row = rows_.order()[r];
    const auto pb = positives_.col_idx.begin() + positives_.row_ptr[row],
               pe = positives_.col_idx.begin() + positives_.row_ptr[row + 1];
    entries.clear();
    for (auto it = pb; it != pe; ++it) entries.emplace_back(*it, 1.0f);
    const int64_t free_cols = t.cols - (pe - pb);
    const int64_t want = std::min<int64_t>(free_cols, static_cast<int64_t>(negatives_) * (pe - pb));
    Rng rng(stream_seed(seed_ ^ 0x746172ull, static_cast<uint64_t>(epoch_), static_cast<uint64_t>(row)));
    std::vector<int32_t> drawn;   // distinct unseen columns
    if (2 * want >= free_cols) {  // most of them: shuffle the unseen columns and take a prefix
      for (int32_t j = 0; j < t.cols; ++j)
        if (!std::binary_search(pb, pe, j)) drawn.push_back(j);
      rng.shuffle(drawn);
      drawn.resize(static_cast<size_t>(want));
    } else {  // few of them: draw until distinct
      std::unordered_set<int32_t> seen;
      while (static_cast<int64_t>(drawn.size()) < want) {
        const auto j = static_cast<int32_t>(rng.below(static_cast<uint64_t>(t.cols)));
        if (!std::binary_search(pb, pe, j) && seen.insert(j).second) drawn.push_back(j);
      }
    }
    for (int32_t j : drawn) entries.emplace_back(j, 0.0f);
    std::sort(entries.begin(), entries.end());
    for (const auto& [c, v] : entries) t.col_idx.push_back(c), t.val.push_back(v);
    t.row_ptr.push_back(static_cast<int32_t>(t.col_idx.size()));
  }
  encode_sparse_batch(t, out, 1);
  return true;
}

TripleBatcher::TripleBatcher(const HostCsr& m, int negatives, int64_t positives_per_batch, uint64_t seed,
                             bool rating_labels)
    : m_(m), negatives_(negatives), per_batch_(positives_per_batch), seed_(seed), rating_labels_(rating_labels) {
  if (rating_labels && m.val.size() != static_cast<size_t>(m.nnz()))
    throw error("triples: rating labels need rating values");
  if (negatives < 0 || positives_per_batch <= 0)
    throw error("triples: negatives >= 0 and a positive batch size needed");
  for (int64_t u = 0; u < m.rows; ++u) {
    if (negatives > 0 && m.row_ptr[u + 1] - m.row_ptr[u] >= m.cols)
      throw error("triples: user ", u, " has interacted with every item; no negative can be drawn");
    for (int64_t k = m.row_ptr[u]; k < m.row_ptr[u + 1]; ++k)
      pos_user_.push_back(static_cast<int32_t>(u)), pos_entry_.push_back(k);
  }
}

void shuffled_interactions(const HostCsr& m, uint64_t seed, int epoch, std::vector<int32_t>& users,
                           std::vector<int64_t>& entries) {
  std::vector<size_t> perm(static_cast<size_t>(m.nnz()));
  std::iota(perm.begin(), perm.end(), size_t{0});
  Rng rng(stream_seed(seed, static_cast<uint64_t>(epoch), 0));
  rng.shuffle(perm);
  users.resize(perm.size()), entries.resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {  // from the canonical order each epoch: seeded by epoch alone
    const size_t p = perm[i];
    users[i] = static_cast<int32_t>(std::upper_bound(m.row_ptr.begin(), m.row_ptr.end(), static_cast<int32_t>(p)) -
                                    m.row_ptr.begin() - 1);
    entries[i] = static_cast<int64_t>(p);
  }
}

void TripleBatcher::start_epoch(int epoch) {
  epoch_ = epoch;
  shuffled_interactions(m_, seed_, epoch, pos_user_, pos_entry_);
}

int64_t TripleBatcher::batches() const {
  return (static_cast<int64_t>(pos_user_.size()) + per_batch_ - 1) / per_batch_;
}

int64_t TripleBatcher::rows_in(int64_t k) const {
  if (k >= batches()) return 0;
  return std::min<int64_t>(per_batch_, static_cast<int64_t>(pos_user_.size()) - k * per_batch_) * (1 + negatives_);
}

bool TripleBatcher::fill(int64_t k, HostBatch& out) const {
  if (k >= batches()) return false;
  const int64_t b = k * per_batch_, e = std::min<int64_t>(b + per_batch_, static_cast<int64_t>(pos_user_.size()));
  out.ints.resize(2), out.floats.resize(1);
  auto &user = out.ints[0], &item = out.ints[1];
  auto& label = out.floats[0];
  user.clear(), item.clear(), label.clear();
  for (int64_t p = b; p < e; ++p) {
    const int32_t u = pos_user_[p];
    user.push_back(u), item.push_back(m_.col_idx[pos_entry_[p]]),
        label.push_back(rating_labels_ ? m_.val[pos_entry_[p]] : 1.0f);
    const auto row_b = m_.col_idx.begin() + m_.row_ptr[u], row_e = m_.col_idx.begin() + m_.row_ptr[u + 1];
    Rng rng(stream_seed(seed_ ^ 0x6e6567ull, static_cast<uint64_t>(epoch_), static_cast<uint64_t>(p)));
    for (int n = 0; n < negatives_;) {
      const auto j = static_cast<int32_t>(rng.below(static_cast<uint64_t>(m_.cols)));
      if (std::binary_search(row_b, row_e, j)) continue;
      user.push_back(u), item.push_back(j), label.push_back(0.0f);
      ++n;
    }
  }
  out.shape = {static_cast<int64_t>(user.size())};
  return true;
}

HostCsr one_hot_rows(const std::vector<int32_t>& ids, int64_t width, const std::vector<float>* values) {
  HostCsr m;
  m.rows = static_cast<int64_t>(ids.size()), m.cols = width;
  m.col_idx = ids;
  m.row_ptr.resize(ids.size() + 1);
  std::iota(m.row_ptr.begin(), m.row_ptr.end(), 0);
  if (values) m.val = *values;
  return m;
}

PrefixInputs prefix_inputs(const std::vector<std::span<const int32_t>>& prefixes, int64_t steps, int64_t n_items) {
  const int64_t b = static_cast<int64_t>(prefixes.size());
  PrefixInputs in;
  in.clicks.rows = in.mask.rows = b * steps, in.clicks.cols = n_items, in.mask.cols = 1;
  for (int64_t t = 0; t < steps; ++t) {
    for (const auto& p : prefixes) {
      const int64_t len = std::min<int64_t>(static_cast<int64_t>(p.size()), steps), pad = steps - len;
      const bool real = t >= pad;
      if (real) in.clicks.col_idx.push_back(p[p.size() - static_cast<size_t>(steps - t)]);
      in.clicks.row_ptr.push_back(static_cast<int32_t>(in.clicks.col_idx.size()));
      in.mask.col_idx.push_back(0), in.mask.val.push_back(real ? 1.0f : 0.0f);
      in.mask.row_ptr.push_back(static_cast<int32_t>(in.mask.col_idx.size()));
    }
  }
  return in;
}

PrefixBatcher::PrefixBatcher(const Sessions& s, int64_t steps, int64_t batch, uint64_t seed, bool in_time_order)
    : s_(s), steps_(steps), batch_(batch), seed_(seed), in_time_order_(in_time_order) {
  if (steps <= 0 || batch <= 0)
    throw error("prefix batches need steps and a batch size > 0, got ", steps, " and ", batch);
  for (int64_t i = 0; i < s.size(); ++i)
    for (int64_t e = s.start[i] + 1; e < s.start[i + 1]; ++e) order_.push_back(e);
}

void PrefixBatcher::start_epoch(int epoch) {
  std::sort(order_.begin(), order_.end());
  if (in_time_order_) return;
  Rng rng(stream_seed(seed_, static_cast<uint64_t>(epoch), 0));
  rng.shuffle(order_);
}

bool PrefixBatcher::fill(int64_t k, HostBatch& out) const {
  const int64_t b = k * batch_, e = std::min(b + batch_, examples());
  if (b >= e) return false;
  std::vector<std::span<const int32_t>> prefixes;
  std::vector<int32_t> targets;
  for (int64_t i = b; i < e; ++i) {
    const int64_t click = order_[i];
    const int64_t session = std::upper_bound(s_.start.begin(), s_.start.end(), click) - s_.start.begin() - 1;
    prefixes.emplace_back(s_.item.data() + s_.start[session], static_cast<size_t>(click - s_.start[session]));
    targets.push_back(s_.item[click]);
  }
  const PrefixInputs in = prefix_inputs(prefixes, steps_, s_.n_items);
  encode_sparse_batch(in.clicks, out, 0);
  encode_sparse_batch(in.mask, out, 1);
  encode_sparse_batch(one_hot_rows(targets, s_.n_items), out, 2);
  return true;
}

SessionBatcher::SessionBatcher(Sessions sessions, int lanes) : s_(std::move(sessions)), lanes_(lanes) {
  if (lanes <= 0) throw error("session batches need at least one lane, got ", lanes);
  if (s_.size() < lanes)
    throw error("session batches: ", s_.size(), " sessions with two or more clicks for ", lanes, " lanes");
}

bool SessionBatcher::fill(int64_t k, HostBatch& out) {
  SR_CHECK(k == step_, "session batches are built in order");
  out.ints.resize(4), out.floats.clear();
  for (auto& v : out.ints) v.assign(static_cast<size_t>(lanes_), 0);
  if (lane_.empty()) {
    lane_.resize(static_cast<size_t>(lanes_));
    next_session_ = 0;
  }
  for (int l = 0; l < lanes_; ++l) {
    Lane& lane = lane_[l];
    bool fresh = false;
    if (!advance(lane, next_session_, fresh)) return false;  // GRU4Rec ends the epoch here
    const auto it = s_[lane.session];
    out.ints[0][l] = it[lane.pos];
    out.ints[1][l] = it[lane.pos + 1];
    out.ints[2][l] = fresh ? 1 : 0;
    out.ints[3][l] = static_cast<int32_t>(lane.session);
    ++lane.pos;
  }
  out.shape = {lanes_};
  ++step_;
  return true;
}

bool SessionBatcher::advance(Lane& lane, int64_t& next, bool& fresh) const {
  fresh = lane.session < 0 || lane.pos + 1 >= static_cast<int64_t>(s_[lane.session].size());
  if (!fresh) return true;
  if (next >= s_.size()) return false;
  lane.session = next++, lane.pos = 0;
  return true;
}

int64_t SessionBatcher::batches() const {  // replays an epoch's lanes, clicks unread
  std::vector<Lane> lanes(static_cast<size_t>(lanes_));
  int64_t next = 0;
  for (int64_t n = 0;; ++n) {
    for (Lane& lane : lanes) {
      bool fresh = false;
      if (!advance(lane, next, fresh)) return n;
      ++lane.pos;
    }
  }
}

}  // namespace sr
