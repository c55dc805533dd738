#include "engine/train/trainer.h"

#include <algorithm>
#include <cmath>

#include "engine/data/batchers.h"
#include "engine/train/epoch_loop.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

LossTicket TrainStep::run(Exec& ex, Optimizer& opt) {
  const LossTicket loss = gradients(ex, 0);
  opt.step(ex);
  ex.count_update();
  return loss;
}

LossTicket BackpropStep::gradients(Exec& ex, int64_t /*global_rows*/) {
  const LossTicket loss = ex.forward_async(true);
  ex.backward();
  return loss;
}

void train_rows(Exec& ex, Var input, const HostCsr& data, const TrainConfig& config, TrainStep& step,
                const std::function<void(const EpochReport&)>& on_epoch) {
  if (data.nnz() == 0) throw error("training data has no ratings");
  RowBatcher batcher(data, config.batch_rows, config.seed);
  // One batch for the whole matrix stays on the device for the whole run (data-parallel refuses it).
  const bool resident = batcher.batches() == 1;
  SparseBatch whole, batch;
  if (resident && !config.parallel.active()) whole = SparseBatch(ex.backend(), data);
  train_epochs(
      ex, step, config,
      [&](int epoch) {
        EpochFeed f;
        if (resident) {
          f.bind_resident = [&] { ex.bind(input, &whole); };
          return f;
        }
        batcher.start_epoch(epoch);
        f.batches = batcher.batches();
        f.fill = [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); };
        f.bind = [&](const DeviceBatch& b) { batch = SparseBatch::view_of(b), ex.bind(input, &batch); };
        f.rows_of = [&](int64_t k) { return batcher.rows_in(k); };
        return f;
      },
      data.nnz(), "ratings", on_epoch);
}

void train_rows_with_targets(Exec& ex, Var input, Var targets, const HostCsr& inputs, const HostCsr& positives,
                             int negatives, const TrainConfig& config, TrainStep& step,
                             const std::function<void(const EpochReport&)>& on_epoch) {
  if (positives.nnz() == 0) throw error("training data has no positives");
  RowTargetBatcher batcher(inputs, positives, negatives, config.batch_rows, config.seed);
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); }, {input, targets},
      positives.nnz(), "ratings", on_epoch);
}

PairInputs PairInputs::of(const Net& net, const std::vector<FieldTable>& tables) {
  PairInputs in{net.input("user"), net.input("item"), net.input("label"), 0, 0, {}};
  in.n_users = net.var(in.user).width, in.n_items = net.var(in.item).width;
  for (const VarInfo& v : net.vars()) {
    if (!v.is_input || !is_field_input(v.name)) continue;
    const auto t = std::find_if(tables.begin(), tables.end(), [&](const FieldTable& t) { return t.input == v.name; });
    if (t == tables.end())
      throw error("model '", net.name(), "' reads the side field '", v.name,
                  "', which the data does not have (import it with --user-features / --item-features)");
    SR_CHECK(net.var(net.input(v.name)).width == t->rows.cols, "side field '", v.name, "' has ", t->rows.cols,
             " columns, the net's input ", net.var(net.input(v.name)).width);
    SR_CHECK(t->rows.rows == (t->user_side() ? in.n_users : in.n_items), "side field '", v.name, "' has ", t->rows.rows,
             " rows for a net of ", in.n_users, " users and ", in.n_items, " items");
    in.fields.push_back({net.input(v.name), &*t});
  }
  return in;
}

std::vector<HostCsr> PairInputs::rows(const std::vector<int32_t>& users, const std::vector<int32_t>& items,
                                      const std::vector<float>& labels) const {
  std::vector<HostCsr> out;
  out.push_back(one_hot_rows(users, n_users));
  out.push_back(one_hot_rows(items, n_items));
  out.push_back(one_hot_rows(std::vector<int32_t>(labels.size(), 0), 1, &labels));
  for (const Field& f : fields) out.push_back(select_rows(f.table->rows, f.table->user_side() ? users : items));
  return out;
}

void PairInputs::encode(const std::vector<int32_t>& users, const std::vector<int32_t>& items,
                        const std::vector<float>& labels, HostBatch& out) const {
  const std::vector<HostCsr> r = rows(users, items, labels);
  for (size_t k = 0; k < r.size(); ++k) encode_sparse_batch(r[k], out, static_cast<int>(k));
}

std::vector<Var> PairInputs::vars() const {
  std::vector<Var> v = {user, item, label};
  for (const Field& f : fields) v.push_back(f.var);
  return v;
}

void train_pairs(Exec& ex, const PairInputs& in, const HostCsr& by_user, int negatives, bool rating_labels,
                 const TrainConfig& config, TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (by_user.nnz() == 0) throw error("training data has no interactions");
  const int64_t per_batch = config.batch_rows > 0 ? config.batch_rows : by_user.nnz();
  TripleBatcher batcher(by_user, negatives, per_batch, config.seed, rating_labels);
  auto fill = [&](int64_t k, HostBatch& h) {
    HostBatch t;
    if (!batcher.fill(k, t)) return false;
    in.encode(t.ints[0], t.ints[1], t.floats[0], h);
    return true;
  };
  train_batches(ex, step, config, batcher, fill, in.vars(), by_user.nnz() * (1 + negatives), "ratings", on_epoch);
}

}  // namespace sr
