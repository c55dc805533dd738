// Batches: streamed training equal to the synchronous loop bit for bit, and the batch builders of
// each model family by their defining properties. (The stream itself: batch_stream_test.cpp.)
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "engine/data/batchers.h"
#include "engine/data/synth.h"
#include "engine/net/exec.h"
#include "engine/train/trainer.h"
#include "kernels/sparse_batch.h"
#include "models/registry.h"
#include "tests/error_expect.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// The training loop written out: cfg's epochs of rows in RowBatcher's order, a step a batch,
// after_step() after each.
void train_by_hand(Exec& ex, Var input, const HostCsr& m, const TrainConfig& cfg, TrainStep& step, Optimizer& opt,
                   const std::function<void()>& after_step = {}) {
  ex.set_scatter_mode(cfg.scatter);
  RowBatcher rows(m, cfg.batch_rows, cfg.seed);
  for (int epoch = 1; epoch <= cfg.epochs; ++epoch) {
    rows.start_epoch(epoch);
    for (int64_t k = 0; k < rows.batches(); ++k) {
      const int64_t first = k * cfg.batch_rows, last = std::min(first + cfg.batch_rows, m.rows);
      const SparseBatch batch(ex.backend(), select_rows(m, std::vector<int32_t>(rows.order().begin() + first,
                                                                                rows.order().begin() + last)));
      ex.bind(input, &batch);
      ex.read_loss(step.run(ex, opt), true);
      if (after_step) after_step();
    }
  }
}

// Streamed mini-batch training is the synchronous loop over the same batches, bit for bit.
TEST(StreamedTraining, EqualsTheSynchronousLoop) {
  SynthOptions so;
  so.users = 90, so.items = 70, so.events = 2000, so.seed = 11;
  const Dataset d = synthesize(so);
  const Split split = random_holdout(d.n_events(), 0.1, 1);
  const HostCsr m = part_matrix(d, split, Part::train, RowsAre::items);
  auto be = make_cpu_backend();
  BuiltModel a = build_model("autorec", {{"hidden", "12"}}, d.n_users(), d.n_items());
  BuiltModel b = build_model("autorec", {{"hidden", "12"}}, d.n_users(), d.n_items());
  Exec ea(a.net, *be, 5), eb(b.net, *be, 5);
  TrainConfig cfg;
  cfg.epochs = 3;
  cfg.batch_rows = 16;
  cfg.seed = 9;
  cfg.optimizer.kind = OptKind::adam;
  cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  train_rows(ea, a.net.input("ratings"), m, cfg, step, nullptr);

  Optimizer opt(cfg.optimizer, b.net.regularizer().l2);
  train_by_hand(eb, b.net.input("ratings"), m, cfg, step, opt);
  const auto pa = a.net.params(), pb = b.net.params();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_EQ(ea.params().weights(*pa[i]).to_host(), eb.params().weights(*pb[i]).to_host()) << pa[i]->name;
}

// With weight averaging, training ends on the moving average of the weights after every step,
// avg = d·avg + (1 − d)·w from the initial weights, and the training loop takes the same steps.
TEST(WeightAveraging, TrainingEndsOnTheMovingAverageOfEveryStep) {
  SynthOptions so;
  so.users = 40, so.items = 30, so.events = 500, so.seed = 12;
  const Dataset d = synthesize(so);
  const HostCsr m = part_matrix(d, random_holdout(d.n_events(), 0.1, 1), Part::train, RowsAre::items);
  auto be = make_cpu_backend();
  BuiltModel a = build_model("autorec", {{"hidden", "6"}}, d.n_users(), d.n_items());
  BuiltModel b = build_model("autorec", {{"hidden", "6"}}, d.n_users(), d.n_items());
  Exec ea(a.net, *be, 5), eb(b.net, *be, 5);
  TrainConfig cfg;
  cfg.epochs = 2, cfg.batch_rows = 8, cfg.seed = 9;
  cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.02f, cfg.optimizer.average = 0.8f;
  BackpropStep step;
  train_rows(ea, a.net.input("ratings"), m, cfg, step, nullptr);

  // The same steps by hand, the average kept on the host in doubles.
  const auto pb = b.net.params();
  std::vector<std::vector<double>> avg;
  for (const Param* p : pb) {
    const auto w = eb.params().weights(*p).to_host();
    avg.emplace_back(w.begin(), w.end());
  }
  Optimizer opt(cfg.optimizer, b.net.regularizer().l2);
  train_by_hand(eb, b.net.input("ratings"), m, cfg, step, opt, [&] {
    for (size_t i = 0; i < pb.size(); ++i) {
      const auto w = eb.params().weights(*pb[i]).to_host();
      for (size_t j = 0; j < w.size(); ++j) avg[i][j] = 0.8 * avg[i][j] + 0.2 * w[j];
    }
  });
  const auto last = eb.params().weights(*pb[0]).to_host();
  opt.use_average(eb.params());
  const auto pa = a.net.params();
  for (size_t i = 0; i < pa.size(); ++i) {
    const auto wa = ea.params().weights(*pa[i]).to_host();
    EXPECT_EQ(wa, eb.params().weights(*pb[i]).to_host()) << pa[i]->name;
    EXPECT_TRUE(all_close(std::vector<float>(avg[i].begin(), avg[i].end()), wa, 1e-6f, 1e-5f)) << pa[i]->name;
  }
  EXPECT_FALSE(all_close(last, ea.params().weights(*pa[0]).to_host(), 1e-4f, 0.0f))
      << "the average is not just the last weights";
}

// ---------------------------------------------------------------- the builders

HostCsr implicit_matrix(uint64_t seed) {
  SynthOptions so;
  so.users = 60, so.items = 50, so.events = 900, so.seed = seed;
  const Dataset d = synthesize(so);
  return part_matrix(d, random_holdout(d.n_events(), 0.1, 1), Part::train, RowsAre::users);
}

using Triple = std::tuple<int32_t, int32_t, float>;
std::vector<Triple> epoch_triples(TripleBatcher& t, int epoch) {
  t.start_epoch(epoch);
  std::vector<Triple> out;
  HostBatch h;
  for (int64_t k = 0; t.fill(k, h); ++k)
    for (size_t i = 0; i < h.ints[0].size(); ++i) out.emplace_back(h.ints[0][i], h.ints[1][i], h.floats[0][i]);
  return out;
}

TEST(TripleBatches, EveryPositiveOncePerEpochWithUnseenNegativesWhateverTheBatchSize) {
  const HostCsr m = implicit_matrix(3);
  TripleBatcher small(m, 4, 7, 42), large(m, 4, 100000, 42), other(m, 4, 7, 43);
  const auto a = epoch_triples(small, 1), b = epoch_triples(large, 1), c = epoch_triples(other, 1);
  EXPECT_EQ(a, b) << "the batch size changed the draws";
  EXPECT_NE(a, c);
  EXPECT_NE(a, epoch_triples(small, 2)) << "epochs must differ";
  ASSERT_EQ(a.size(), static_cast<size_t>(m.nnz()) * 5);
  std::multiset<std::pair<int32_t, int32_t>> positives;
  for (const auto& [u, i, label] : a) {
    const bool rated = std::binary_search(m.col_idx.begin() + m.row_ptr[u], m.col_idx.begin() + m.row_ptr[u + 1], i);
    EXPECT_EQ(rated, label == 1.0f) << "user " << u << " item " << i << " label " << label;
    if (label == 1.0f) positives.insert({u, i});
  }
  std::multiset<std::pair<int32_t, int32_t>> want;
  for (int32_t u = 0; u < m.rows; ++u)
    for (int32_t k = m.row_ptr[u]; k < m.row_ptr[u + 1]; ++k) want.insert({u, m.col_idx[k]});
  EXPECT_EQ(positives, want);
}

TEST(RowTargetBatches, PositivesAndUnseenNegativesPerRowWhateverTheBatchSize) {
  const HostCsr m = implicit_matrix(5);
  auto collect = [&](int64_t batch_rows, uint64_t seed) {
    RowTargetBatcher b(m, m, 3, batch_rows, seed);
    b.start_epoch(1);
    std::map<int32_t, std::vector<std::pair<int32_t, float>>> by_row;  // row -> its target entries
    HostBatch h;
    for (int64_t k = 0; b.fill(k, h); ++k) {
      const auto& rows = h.ints[0];                 // input batch: row_ptr
      const auto& tptr = h.ints[kSparseBatchInts];  // target batch: row_ptr, col_idx; values in floats[1]
      const auto& tcol = h.ints[kSparseBatchInts + 1];
      EXPECT_EQ(h.shape[kSparseBatchShape], static_cast<int64_t>(rows.size()) - 1);
      for (size_t r = 0; r + 1 < tptr.size(); ++r) {
        std::vector<std::pair<int32_t, float>> e;
        for (int32_t q = tptr[r]; q < tptr[r + 1]; ++q) e.emplace_back(tcol[q], h.floats[1][q]);
        // The input row of this batch position: identify it by its columns.
        std::vector<int32_t> in(h.ints[1].begin() + rows[r], h.ints[1].begin() + rows[r + 1]);
        int32_t row = -1;
        for (int32_t u = 0; u < m.rows && row < 0; ++u)
          if (std::vector<int32_t>(m.col_idx.begin() + m.row_ptr[u], m.col_idx.begin() + m.row_ptr[u + 1]) == in &&
              !by_row.count(u))
            row = u;
        by_row[row] = e;
      }
    }
    return by_row;
  };
  const auto a = collect(7, 42), b = collect(1000, 42);
  EXPECT_EQ(a, b) << "the batch size changed the negatives";
  EXPECT_NE(a, collect(7, 43));
  ASSERT_EQ(static_cast<int64_t>(a.size()), m.rows);
  for (const auto& [u, entries] : a) {
    int positives = 0, negatives = 0;
    for (size_t i = 1; i < entries.size(); ++i) EXPECT_LT(entries[i - 1].first, entries[i].first) << "sorted, distinct";
    for (const auto& [c, v] : entries) {
      const bool rated = std::binary_search(m.col_idx.begin() + m.row_ptr[u], m.col_idx.begin() + m.row_ptr[u + 1], c);
      EXPECT_EQ(rated, v == 1.0f) << "row " << u << " column " << c;
      (v == 1.0f ? positives : negatives)++;
    }
    EXPECT_EQ(positives, m.row_ptr[u + 1] - m.row_ptr[u]);
    EXPECT_EQ(negatives, std::min<int64_t>(3 * positives, m.cols - positives));
  }
}

TEST(SessionBatches, LanesWalkEachSessionInOrderAndResetAtItsStart) {
  // Sessions (rows) of 3, 2, 4, 1 (skipped), 2 and 5 clicks; first click times decide the order.
  DatasetArrays a;
  const std::vector<std::vector<int32_t>> sessions = {{1, 2, 3}, {4, 5},   {6, 7, 8, 9},
                                                      {10},      {11, 12}, {13, 14, 15, 16, 17}};
  const std::vector<int64_t> start = {50, 10, 30, 5, 20, 60};
  for (size_t s = 0; s < sessions.size(); ++s) {
    for (size_t k = 0; k < sessions[s].size(); ++k)
      a.item.push_back(sessions[s][k]), a.time.push_back(start[s] + static_cast<int64_t>(k));
    a.row_ptr.push_back(static_cast<int64_t>(a.item.size()));
    a.user_ids.push_back(static_cast<int64_t>(s));
  }
  for (int i = 0; i < 18; ++i) a.item_ids.push_back(i);
  DatasetInfo info;
  info.feedback = Feedback::clicks;
  const Dataset d = Dataset::from_arrays(info, std::move(a));
  const Split all = random_holdout(d.n_events(), 0.5, 1);
  Split train = all;
  std::fill(train.part.begin(), train.part.end(), uint8_t(Part::train));
  SessionBatcher sb(d, train, Part::train, 2);
  EXPECT_EQ(sb.sessions(), 5);
  sb.start_epoch();
  // Entry order by first click: rows 1 (t10), 4 (t20), 2 (t30), 0 (t50), 5 (t60).
  // lane 0: row1 [4→5], row2 [6→7, 7→8, 8→9]; lane 1: row4 [11→12], row0 [1→2, 2→3], row5 [13→14 ...]
  std::vector<std::vector<int32_t>> steps;  // input, target, reset per lane
  HostBatch h;
  for (int64_t k = 0; sb.fill(k, h); ++k)
    steps.push_back({h.ints[0][0], h.ints[1][0], h.ints[2][0], h.ints[0][1], h.ints[1][1], h.ints[2][1]});
  const std::vector<std::vector<int32_t>> want = {
      {4, 5, 1, 11, 12, 1}, {6, 7, 1, 1, 2, 1}, {7, 8, 0, 2, 3, 0}, {8, 9, 0, 13, 14, 1}};
  EXPECT_EQ(steps, want);  // step 5: lane 0 finished row 2 and no session is left: the epoch ends
  EXPECT_EQ(sb.batches(), 4) << "the count of an epoch's batches, made without the batches";
  EXPECT_THROW(SessionBatcher(d, train, Part::train, 6), Error);
}

}  // namespace
}  // namespace sr::test
