// The batch builders of each model family, filling HostBatch for kernels/batch_stream.h:
//   RowBatcher      rows of a CSR (autoencoders, RBM): shuffled per epoch, `rows` at a time
//   TripleBatcher   (user, item, label) with sampled negatives (NCF, MF)
//   SessionBatcher  session-parallel mini-batches (GRU4Rec): B sessions side by side, a finished
//                   session replaced by the next, with a reset flag for the lane
// Every random choice is seeded by (seed, epoch, position in the epoch), never by the batch it
// falls in, so the same epoch cut into different batch sizes — or shards across ranks — draws
// the same rows, negatives and order.
#pragma once

#include <algorithm>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/data/sessions.h"
#include "engine/data/split.h"
#include "kernels/batch_fields.h"
#include "kernels/csr.h"

namespace sr {

class RowBatcher {
 public:
  // batch_rows <= 0 or >= rows: the whole matrix, unshuffled, as one batch.
  RowBatcher(const HostCsr& m, int64_t batch_rows, uint64_t seed);
  void start_epoch(int epoch);  // reshuffles (epoch 1, 2, ...)
  int64_t batches() const;
  int64_t rows_in(int64_t k) const;  // rows of batch k
  // Fields of encode_sparse_batch(); false when k is past the epoch.
  bool fill(int64_t k, HostBatch& out) const;
  const std::vector<int32_t>& order() const { return order_; }

 private:
  const HostCsr& m_;
  int64_t batch_rows_;
  uint64_t seed_;
  std::vector<int32_t> order_;
};

// Rows of an input matrix with, for the same rows, training targets: each row's positives (1) and
// `negatives` sampled items per positive that the row has no positive for (0), columns sorted.
// (Autoencoders on implicit feedback: CDAE, Mult-DAE with sampling.) Sparse batch 0 is the input,
// 1 the targets.
class RowTargetBatcher {
 public:
  RowTargetBatcher(const HostCsr& input, const HostCsr& positives, int negatives, int64_t batch_rows, uint64_t seed);
  void start_epoch(int epoch);
  int64_t batches() const { return rows_.batches(); }
  int64_t rows_in(int64_t k) const { return rows_.rows_in(k); }
  bool fill(int64_t k, HostBatch& out) const;
  // The rows of batch k: order()[k·batch_rows() ...] (rows_in(k) of them).
  const std::vector<int32_t>& order() const { return rows_.order(); }
  int64_t batch_rows() const { return batch_rows_; }

 private:
  RowBatcher rows_;
  const HostCsr& positives_;
  int negatives_;
  uint64_t seed_;
  int epoch_ = 0;
  int64_t batch_rows_;
};

// Every interaction of `m` (users x items) as (its row, its entry), in an order shuffled by
// (seed, epoch) alone: the examples of an epoch of (user, item) training.
void shuffled_interactions(const HostCsr& m, uint64_t seed, int epoch, std::vector<int32_t>& users,
                           std::vector<int64_t>& entries);

class TripleBatcher {
 public:
  // `train_by_user`: positives, columns sorted within each row (part_matrix gives that). Each
  // positive comes with `negatives` items the user has not interacted with, uniformly drawn. Its
  // label is 1, or with `rating_labels` its value in the matrix (rating models, no negatives).
  TripleBatcher(const HostCsr& train_by_user, int negatives, int64_t positives_per_batch, uint64_t seed,
                bool rating_labels = false);
  void start_epoch(int epoch);
  int64_t batches() const;
  int64_t rows_in(int64_t k) const;  // pairs in batch k: its positives and their negatives
  // ints {user, item}, floats {label: 1 (or the rating) positive, 0 negative}, shape {n}; per
  // positive its own row then its negatives.
  bool fill(int64_t k, HostBatch& out) const;

 private:
  const HostCsr& m_;
  int negatives_;
  int64_t per_batch_;
  uint64_t seed_;
  bool rating_labels_;
  int epoch_ = 0;
  std::vector<int32_t> pos_user_;  // the positives (user, entry), shuffled per epoch
  std::vector<int64_t> pos_entry_;
};

// Row r holds one nonzero at column ids[r] (value values[r], or 1 without values).
HostCsr one_hot_rows(const std::vector<int32_t>& ids, int64_t width, const std::vector<float>* values = nullptr);

// Session prefixes as the inputs of a sequence net (NARM): each prefix, its last `steps` clicks,
// left-padded, as time-major rows (row t·B + b is step t of prefix b): `clicks` one-hot
// (B·steps x n_items, empty rows at padding) and `mask` (B·steps x 1, value 1 at a click, 0 at
// padding).
struct PrefixInputs {
  HostCsr clicks, mask;
};
PrefixInputs prefix_inputs(const std::vector<std::span<const int32_t>>& prefixes, int64_t steps, int64_t n_items);

// Every click of every session after its first, as a target with the clicks before it as input
// (NARM's training examples), shuffled per epoch (or, `in_time_order`, session after session in
// entry order, as GRU4Rec sees them), `batch` at a time: sparse batch 0 the clicks, 1 the mask,
// 2 the targets one-hot.
class PrefixBatcher {
 public:
  PrefixBatcher(const Sessions& s, int64_t steps, int64_t batch, uint64_t seed, bool in_time_order = false);
  void start_epoch(int epoch);
  int64_t examples() const { return static_cast<int64_t>(order_.size()); }
  int64_t batches() const { return (examples() + batch_ - 1) / batch_; }
  int64_t rows_in(int64_t k) const { return k < batches() ? std::min(batch_, examples() - k * batch_) : 0; }
  bool fill(int64_t k, HostBatch& out) const;

 private:
  const Sessions& s_;
  int64_t steps_, batch_;
  uint64_t seed_;
  bool in_time_order_;
  std::vector<int64_t> order_;  // click indices into s_.item whose prefix is the input
};

class SessionBatcher {
 public:
  // Sessions side by side in `lanes` lanes, in the order given (sessions_of: by first click).
  SessionBatcher(Sessions sessions, int lanes);
  // The sessions of part `p` of d's rows (sessions_of).
  SessionBatcher(const Dataset& d, const Split& s, Part p, int lanes) : SessionBatcher(sessions_of(d, s, p), lanes) {}
  void start_epoch() { step_ = 0, lane_.clear(); }
  // ints {input item, target item, reset (1: the lane starts a new session), session index},
  // shape {lanes}. The epoch ends at the first step where a finished lane finds no session left
  // (GRU4Rec's rule), so the last sessions' tails are not trained on in that epoch.
  bool fill(int64_t k, HostBatch& out);
  // How many batches an epoch has (the lanes run dry at the same step every epoch).
  int64_t batches() const;
  int64_t sessions() const { return s_.size(); }
  int64_t events() const { return s_.events(); }
  const Sessions& data() const { return s_; }

 private:
  struct Lane {
    int64_t session = -1, pos = 0;  // session index, position in its clicks
  };
  // Gives `lane` its next click, taking session `next` (and counting it) when the lane's session
  // has no click pair left; false when no session is left, which ends the epoch. `fresh`: the lane
  // starts a session with this click.
  bool advance(Lane& lane, int64_t& next, bool& fresh) const;
  Sessions s_;
  int lanes_;
  int64_t step_ = 0, next_session_ = 0;
  std::vector<Lane> lane_;
};

}  // namespace sr
