// Prod2vec's parts: the skip-gram batcher (windows, subsampling, negatives, reproducible batches),
// the item-vector session scorer on a hand-checked case, and the model learning planted item
// groups (its item vectors and its session scores) on every backend.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "engine/eval/item_vector_session_scorer.h"
#include "engine/net/exec.h"
#include "engine/train/pipeline.h"
#include "engine/train/skip_gram_trainer.h"
#include "kernels/sparse_batch.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

Sessions sessions(const std::vector<std::vector<int32_t>>& clicks, int64_t n_items) {
  Sessions s;
  s.n_items = n_items;
  for (const auto& c : clicks) s.add(c);
  return s;
}

// The pairs of one epoch as a multiset.
std::multiset<std::pair<int32_t, int32_t>> pairs_of(const SkipGramBatcher& b) {
  std::multiset<std::pair<int32_t, int32_t>> p;
  for (size_t i = 0; i < b.centers().size(); ++i) p.insert({b.centers()[i], b.contexts()[i]});
  return p;
}

TEST(SkipGramBatcher, WindowOneWithoutSubsamplingPairsEveryNeighbourBothWays) {
  const Sessions s = sessions({{0, 1, 2}, {3, 3, 4}}, 5);
  SkipGram sg;
  sg.window = 1, sg.subsample = 0.0f;
  SkipGramBatcher b(s, sg, 4, 7);
  b.start_epoch(1);
  const std::multiset<std::pair<int32_t, int32_t>> want = {{0, 1}, {1, 0}, {1, 2}, {2, 1},
                                                           {3, 3}, {3, 3}, {3, 4}, {4, 3}};
  EXPECT_EQ(pairs_of(b), want);
  EXPECT_EQ(b.batches(), 2);
  EXPECT_EQ(b.rows_in(1), 4);
  EXPECT_EQ(b.rows_in(2), 0);
}

// word2vec's dynamic window: a context d clicks away is taken with probability (W − d + 1) / W.
TEST(SkipGramBatcher, DynamicWindowTakesNearerContextsMoreOften) {
  const int w = 4;
  std::vector<int32_t> line(12);
  for (int i = 0; i < 12; ++i) line[i] = i;
  const Sessions s = sessions({line}, 12);
  SkipGram sg;
  sg.window = w, sg.subsample = 0.0f;
  SkipGramBatcher b(s, sg, 64, 3);
  std::vector<double> at(w + 2, 0.0);
  const int epochs = 400;
  for (int e = 1; e <= epochs; ++e) {
    b.start_epoch(e);
    for (size_t i = 0; i < b.centers().size(); ++i) {
      const int d = std::abs(b.centers()[i] - b.contexts()[i]);
      ASSERT_GE(d, 1);
      ASSERT_LE(d, w) << "a context beyond the window";
      at[d] += 1.0;
    }
  }
  // Centre 5's contexts at distance d (both sides inside the line for d <= 4).
  for (int d = 1; d <= w; ++d) {
    const double pairs_at_d = 2.0 * (12 - d);  // every (centre, context) d apart, both ways
    EXPECT_NEAR(at[d] / (epochs * pairs_at_d), static_cast<double>(w - d + 1) / w, 0.03) << "distance " << d;
  }
}

TEST(SkipGramBatcher, SubsamplingKeepsFrequentItemsAsWord2vecDoes) {
  // Item 0 is 90 of 100 clicks, items 1..10 one each.
  std::vector<std::vector<int32_t>> clicks;
  for (int i = 0; i < 45; ++i) clicks.push_back({0, 0});
  for (int i = 1; i <= 10; i += 2) clicks.push_back({i, i + 1});
  const Sessions s = sessions(clicks, 11);
  SkipGram sg;
  sg.subsample = 0.01f;
  SkipGramBatcher b(s, sg, 16, 5);
  const double f = 0.9, t = 0.01;
  EXPECT_NEAR(b.keep()[0], (std::sqrt(f / t) + 1.0) * t / f, 1e-6);  // the threshold is a float
  EXPECT_DOUBLE_EQ(b.keep()[1], 1.0) << "a rare item is always kept";
  // Over epochs, item 0's share of the centres follows its keep probability (a kept pair of 0s
  // gives two pairs; each of the rare items' sessions always gives two).
  double zero_pairs = 0.0;
  const int epochs = 300;
  for (int e = 1; e <= epochs; ++e) {
    b.start_epoch(e);
    for (int32_t c : b.centers()) zero_pairs += c == 0;
  }
  const double p = b.keep()[0];
  EXPECT_NEAR(zero_pairs / epochs, 45.0 * 2.0 * p * p, 0.1 * 45.0 * 2.0 * p * p);
}

TEST(SkipGramBatcher, BatchesHoldTheContextThenNegativesAndRepeatByEpochAndIndex) {
  std::vector<std::vector<int32_t>> clicks;
  for (int i = 0; i < 50; ++i) clicks.push_back({i % 7, (i * 3) % 7, (i * 5 + 1) % 7});
  const Sessions s = sessions(clicks, 7);
  SkipGram sg;
  sg.negatives = 4, sg.subsample = 0.0f;
  SkipGramBatcher b(s, sg, 32, 9);
  b.start_epoch(2);
  HostBatch h, again;
  ASSERT_TRUE(b.fill(1, h));
  ASSERT_TRUE(b.fill(1, again));
  EXPECT_EQ(h.ints, again.ints) << "a batch depends on the epoch and its index alone";
  EXPECT_EQ(h.floats, again.floats);
  const std::vector<int32_t>& row_ptr = h.ints[kSparseBatchInts + 0];
  const std::vector<int32_t>& col = h.ints[kSparseBatchInts + 1];
  const std::vector<float>& val = h.floats[1];
  ASSERT_EQ(row_ptr.size(), 33u);
  int64_t negatives = 0;
  for (size_t r = 0; r + 1 < row_ptr.size(); ++r) {
    const int32_t context = b.contexts()[32 + r];
    ASSERT_EQ(col[row_ptr[r]], context);
    EXPECT_EQ(val[row_ptr[r]], 1.0f);
    EXPECT_LE(row_ptr[r + 1] - row_ptr[r], 1 + sg.negatives);
    for (int32_t e = row_ptr[r] + 1; e < row_ptr[r + 1]; ++e, ++negatives) {
      EXPECT_NE(col[e], context) << "a negative equal to the context is skipped";
      EXPECT_EQ(val[e], 0.0f);
    }
  }
  EXPECT_GT(negatives, 32 * sg.negatives * 6 / 10) << "most draws are kept";
  b.start_epoch(3);
  HostBatch other;
  ASSERT_TRUE(b.fill(1, other));
  EXPECT_NE(h.ints, other.ints) << "another epoch draws other pairs and negatives";
}

TEST(ItemVectorSessionScorer, ScoresTheDecayedSumOfTheLatestClicksAgainstEveryKey) {
  auto be = make_backend("cpu");
  // 3 items of 2 dims; keys with a bias column (the context use).
  const std::vector<float> in = {1, 0, 0, 2, 1, 1}, out = {1, 1, 0, 1, 2, 0}, bias = {0.5f, -1.0f, 0.0f};
  ItemVectorSessionScorer sc(*be, context_tables(3, 2, in, out, bias), 2, 0.5f);
  std::vector<float> scores;
  sc.step({0, 2}, {1, 1}, scores);  // lane 0 clicks item 0, lane 1 item 2
  sc.step({1, 1}, {0, 1}, scores);  // lane 0 goes on to 1; lane 1 starts afresh on 1
  // Lane 0: q = u_1 + 0.5 u_0 = (0.5, 2), weights' sum 1.5; lane 1: q = u_1 = (0, 2), sum 1.
  const std::vector<float> want = {0.5f + 2 + 0.75f, 2 - 1.5f, 1 + 0,  // lane 0: items 0, 1, 2
                                   0 + 2 + 0.5f,     2 - 1.0f, 0 + 0};
  ASSERT_EQ(scores.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(scores[i], want[i]) << i;
  sc.step({2, 2}, {0, 0}, scores);  // lane 0 keeps its latest 2: items 1 and 2, not 0
  EXPECT_FLOAT_EQ(scores[0], (1 * 1 + 0.5f * 0) * 1 + (1 * 1 + 0.5f * 2) * 1 + 1.5f * 0.5f);
  // Similar items: unit vectors, no bias; an item is nearest itself.
  ItemVectorSessionScorer near(*be, similar_item_tables(3, 2, {3, 4, 0, 2, 6, 8}), 1, 0.5f);
  near.step({1}, {1}, scores);
  EXPECT_FLOAT_EQ(scores[0], 0.8f);
  EXPECT_FLOAT_EQ(scores[1], 1.0f);
  EXPECT_FLOAT_EQ(scores[2], 0.8f);
}

// Items fall in 4 groups of 6; each session clicks 5 items of one group. Prod2vec trained through
// the pipeline on each backend must place every item's nearest items (by cosine of its vectors) in
// its own group and rank the group's items first after a click; popularity cannot (all items are
// about equally frequent).
Sessions grouped(int n, uint64_t seed) {
  Sessions s;
  s.n_items = 24;
  for (int i = 0; i < n; ++i) {
    const uint64_t g = splitmix64(seed * 1000003 + static_cast<uint64_t>(i)) % 4;
    std::vector<int32_t> c;
    for (int k = 0; k < 5; ++k)
      c.push_back(static_cast<int32_t>(g * 6 + splitmix64(seed ^ (static_cast<uint64_t>(i) * 31 + k)) % 6));
    s.add(c);
  }
  return s;
}

const char* const kScoreModes[] = {"context", "similar"};
using Prod2vecLearns = BackendParity<const char*, kScoreModes>;

TEST_P(Prod2vecLearns, ItemGroupsFromTheSessionsTheyShare) {
  const Sessions train = grouped(300, 1), test = grouped(60, 2);
  {
    const char* score = c_;
    BuiltModel m = build_model("prod2vec", {{"embedding", "8"}, {"score", score}, {"subsample", "0"}}, 0, 24);
    FitOptions o;
    o.config.epochs = 5, o.config.batch_rows = 64;
    o.config.optimizer.kind = OptKind::adagrad, o.config.optimizer.lr = 0.1f;
    TrainingData data;
    data.sessions = &train;
    auto t = fit_model(std::move(m), data, be_.get(), o);
    const TrainedModel::ItemVectors v = t->item_vectors();
    ASSERT_EQ(v.n, 24);
    ASSERT_EQ(v.dim, 8);
    const ItemVectorTables unit = similar_item_tables(v.n, v.dim, v.values);
    int in_group = 0;
    for (int i = 0; i < 24; ++i) {
      int best = -1;
      float best_cos = -2.0f;
      for (int j = 0; j < 24; ++j) {
        if (j == i) continue;
        float c = 0.0f;
        for (int d = 0; d < 8; ++d) c += unit.query[i * 8 + d] * unit.query[j * 8 + d];
        if (c > best_cos) best_cos = c, best = j;
      }
      in_group += best / 6 == i / 6;
    }
    EXPECT_GE(in_group, 23) << score << ": nearest items in the item's group";
    // Recall@6: the next click is in the group, and the group is the 6 items ranked first.
    const SessionMetrics r = evaluate_sessions(t->session_scorer(), test, 8, 6);
    EXPECT_GT(r.recall, 0.95) << score;
  }
}

// Prod2vec's session scorer copies the item vectors: early stopping must score each epoch's
// vectors, not the first epoch's again, and keep the best epoch's scorer at the end.
TEST(Prod2vec, EarlyStoppingScoresEveryEpochsVectorsAndKeepsTheBest) {
  auto be = make_backend("cpu");
  const Sessions train = grouped(300, 3), valid = grouped(40, 4);
  BuiltModel m = build_model("prod2vec", {{"embedding", "8"}, {"repeat", "0"}}, 0, 24);
  FitOptions o;
  o.config.epochs = 4, o.config.batch_rows = 256;
  o.config.optimizer.kind = OptKind::adagrad, o.config.optimizer.lr = 0.02f;
  o.early_stop_patience = 4, o.early_stop_refit = false;
  TrainingData data;
  data.sessions = &train, data.valid_sessions = &valid;
  auto t = fit_model(std::move(m), data, be.get(), o);
  const std::vector<double>& curve = t->early_stop.curve;
  ASSERT_EQ(curve.size(), 4u);
  EXPECT_NE(curve.front(), curve.back()) << "every epoch scored the same vectors";
  EXPECT_DOUBLE_EQ(evaluate_sessions(t->session_scorer(), valid, 256, 20).mrr, t->early_stop.best)
      << "the model scores with the best epoch's vectors";
}

std::string score_name(const ::testing::TestParamInfo<CaseParam>& info) { return kScoreModes[std::get<1>(info.param)]; }

SR_INSTANTIATE_ON_ALL_BACKENDS(Prod2vecLearns, kScoreModes, score_name);

}  // namespace
}  // namespace sr::test
