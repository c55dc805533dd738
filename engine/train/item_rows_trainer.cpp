#include "engine/train/item_rows_trainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/data/batchers.h"
#include "engine/data/cold_start.h"
#include "engine/net/scoring.h"
#include "engine/train/epoch_loop.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

namespace {
// RowTargetBatcher's batches, with a title net's input (block 0) replaced by the batch's titles.
class ItemRowsBatcher {
 public:
  ItemRowsBatcher(const ItemRowsNet& net, const HostCsr& inputs, std::span<const std::string> titles,
                  std::span<const int32_t> items, const HostCsr& positives, int negatives, int64_t batch, uint64_t seed)
      : net_(net), titles_(titles), items_(items), rows_(inputs, positives, negatives, batch, seed) {}
  void start_epoch(int epoch) { rows_.start_epoch(epoch); }
  int64_t batches() const { return rows_.batches(); }
  int64_t rows_in(int64_t k) const { return rows_.rows_in(k); }
  bool fill(int64_t k, HostBatch& out) const {
    if (!rows_.fill(k, out)) return false;
    if (net_.title_steps > 0) {
      std::vector<int32_t> batch_items;
      for (int64_t r = k * rows_.batch_rows(); r < k * rows_.batch_rows() + rows_in(k); ++r)
        batch_items.push_back(items_[static_cast<size_t>(rows_.order()[static_cast<size_t>(r)])]);
      encode_sparse_batch(title_characters(titles_, batch_items, net_.title_steps), out, 0);
    }
    return true;
  }

 private:
  const ItemRowsNet& net_;
  std::span<const std::string> titles_;
  std::span<const int32_t> items_;
  RowTargetBatcher rows_;
};
}  // namespace

void train_item_rows(Exec& ex, const ItemRowsNet& net, const HostCsr& inputs, std::span<const std::string> titles,
                     std::span<const int32_t> items, const HostCsr& positives, int negatives, const TrainConfig& config,
                     TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch) {
  if (positives.nnz() == 0) throw error("item rows training: no interactions to train on");
  if (net.title_steps > 0 && static_cast<int64_t>(items.size()) != positives.rows)
    throw error("item rows training: ", items.size(), " items for ", positives.rows, " rows of targets");
  if (net.title_steps <= 0 && inputs.rows != positives.rows)
    throw error("item rows training: ", inputs.rows, " input rows for ", positives.rows, " rows of targets");
  // A title net's input rows are replaced per batch; the row batcher still needs a matrix of rows.
  HostCsr placeholder;
  if (net.title_steps > 0) {
    placeholder.rows = positives.rows, placeholder.cols = 1;
    placeholder.row_ptr.assign(static_cast<size_t>(positives.rows + 1), 0);
  }
  ItemRowsBatcher batcher(net, net.title_steps > 0 ? placeholder : inputs, titles, items, positives, negatives,
                          config.batch_rows, config.seed);
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); }, {net.input, net.targets},
      positives.nnz(), "ratings", on_epoch);
}

std::vector<float> score_item_rows(Exec& ex, const ItemRowsNet& net, const HostCsr& inputs,
                                   std::span<const std::string> titles, int64_t rows, int64_t chunk) {
  if (chunk <= 0) throw error("item scores: the rows a pass must be positive, got ", chunk);
  const int64_t users = ex.net().var(net.output).width;
  std::vector<float> out(static_cast<size_t>(rows * users));
  std::vector<int32_t> ids;
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    ids.resize(static_cast<size_t>(n));
    std::iota(ids.begin(), ids.end(), static_cast<int32_t>(r0));
    const HostCsr in = net.title_steps > 0 ? title_characters(titles, ids, net.title_steps) : select_rows(inputs, ids);
    const SparseBatch batch(ex.backend(), in);
    ex.bind(net.input, &batch);
    const std::vector<float> logits = all_scores(ex, net.output).to_host();
    SR_CHECK(static_cast<int64_t>(logits.size()) == n * users, "item scores: ", logits.size(), " for ", n, " x ",
             users);
    for (int64_t e = 0; e < n * users; ++e)
      out[static_cast<size_t>(r0 * users + e)] = 1.0f / (1.0f + std::exp(-logits[static_cast<size_t>(e)]));
  }
  return out;
}

}  // namespace sr
