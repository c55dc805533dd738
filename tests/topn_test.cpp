// Top-N evaluation: ranks with ties against the target, the metrics on a hand-checked case, the
// refusals, and the baselines' order on data with planted structure.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "engine/data/synth.h"
#include "engine/eval/candidate_scorer.h"
#include "engine/eval/factor_scorer.h"
#include "engine/eval/model_scorer.h"
#include "engine/eval/pair_scorer.h"
#include "engine/eval/topn_eval.h"
#include "engine/train/trainer.h"
#include "engine/train/two_tower_trainer.h"
#include "kernels/sparse_batch.h"
#include "models/baselines.h"
#include "models/registry.h"
#include "tests/error_expect.h"

namespace sr::test {
namespace {

TEST(TopN, TiesCountAgainstTheTarget) {
  const float scores[] = {1.0f, 2.0f, 2.0f, 3.0f, 0.5f};
  const int32_t all[] = {0, 1, 2, 3, 4};
  EXPECT_EQ(rank_against(scores, 1, all, 5), 3);  // item 2 ties, item 3 beats: rank 3
  EXPECT_EQ(rank_against(scores, 3, all, 5), 1);
  EXPECT_EQ(rank_against(scores, 4, all, 5), 5);
  const int32_t some[] = {4, 0};
  EXPECT_EQ(rank_against(scores, 1, some, 2), 1);  // the target need not be among the candidates
}

// Scores fixed per (user, item).
class TableScorer final : public Scorer {
 public:
  explicit TableScorer(std::vector<std::vector<float>> t) : t_(std::move(t)) {}
  void score(const std::vector<int32_t>& users, std::vector<float>& out) override {
    out.clear();
    for (int32_t u : users) out.insert(out.end(), t_[u].begin(), t_[u].end());
  }
  std::vector<std::vector<float>> t_;
};

HostCsr csr(int64_t rows, int64_t cols, const std::vector<std::vector<int32_t>>& r) {
  HostCsr m;
  m.rows = rows, m.cols = cols;
  for (const auto& row : r) {
    for (int32_t c : row) m.col_idx.push_back(c), m.val.push_back(1.0f);
    m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
  }
  return m;
}

TEST(TopN, MetricsOnAHandCheckedCase) {
  // 3 users, 25 items. User 0: target 5, trains on {0, 1}; user 1: target 7, trains on {2};
  // user 2: no target (skipped). One negative per user.
  const HostCsr targets = csr(3, 25, {{5}, {7}, {}});
  const HostCsr train = csr(3, 25, {{0, 1}, {2}, {3}});
  std::vector<std::vector<float>> t(3, std::vector<float>(25, 0.0f));
  for (int j = 0; j < 25; ++j) t[0][j] = t[1][j] = static_cast<float>(j);  // higher item, higher score
  t[0][0] = t[0][1] = 100.0f;  // training items score high but are excluded from full ranking
  const std::vector<int32_t> negatives = {9, 3, 0};
  TableScorer s(t);
  const TopNMetrics m = evaluate_topn(s, targets, train, negatives, 1);
  EXPECT_EQ(m.users, 2);
  // Sampled: user 0, target 5 vs negative 9: rank 2; user 1, target 7 vs 3: rank 1.
  EXPECT_DOUBLE_EQ(m.hr10, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg10, (1.0 / std::log2(3.0) + 1.0) / 2);
  // Full: user 0, items 6..24 beat 5 (19 of them; 0, 1 excluded): rank 20; user 1: 8..24, rank 18.
  EXPECT_DOUBLE_EQ(m.recall20, 1.0);
  EXPECT_DOUBLE_EQ(m.mrr20, (1.0 / 20 + 1.0 / 18) / 2);
  EXPECT_DOUBLE_EQ(m.ndcg20, (1.0 / std::log2(21.0) + 1.0 / std::log2(19.0)) / 2);
  // One more item above user 0's target pushes it out of the top 20.
  s.t_[0][2] = 50.0f;
  EXPECT_DOUBLE_EQ(evaluate_topn(s, targets, train, negatives, 1).recall20, 0.5);
}

TEST(TopN, RefusesTwoTargetsAndNonFiniteScores) {
  const HostCsr train = csr(1, 4, {{0}});
  TableScorer s({{0.0f, 1.0f, 2.0f, 3.0f}});
  expect_error([&] { evaluate_topn(s, csr(1, 4, {{1, 2}}), train, {3}, 1); }, {"one held-out item per user", "has 2"});
  s.t_[0][2] = NAN;
  expect_error([&] { evaluate_topn(s, csr(1, 4, {{1}}), train, {3}, 1); }, {"scored user 0, item 2 as nan"});
}

TEST(TopN, ItemKnnBeatsPopularityBeatsChanceOnPlantedData) {
  SynthOptions o;
  o.users = 400, o.items = 1000, o.events = 16000, o.seed = 4;
  const Dataset d = synthesize(o);
  const Split s = leave_one_out(d, false);
  HostCsr train = part_matrix(d, s, Part::train, RowsAre::users);
  const HostCsr targets = part_matrix(d, s, Part::test, RowsAre::users);
  const auto negatives = sample_negatives(d, 99, 42);
  PopularityScorer pop(train);
  ItemKnnScorer knn(train, 50);
  const TopNMetrics p = evaluate_topn(pop, targets, train, negatives, 99),
                    k = evaluate_topn(knn, targets, train, negatives, 99);
  EXPECT_GT(p.hr10, 0.2) << "popularity vs chance (0.1)";
  EXPECT_GT(k.hr10, p.hr10) << "item-kNN " << k.hr10 << " vs popularity " << p.hr10;
  EXPECT_GT(k.recall20, p.recall20);
  expect_error([&] { ItemKnnScorer(train, 0); }, {"k >= 1"});
}

// Leave-one-out on synthetic data with favourite genres: a model must beat popularity clearly.
struct PlantedTopN {
  Dataset d;
  HostCsr train, targets;
  std::vector<int32_t> negatives;
  PlantedTopN() {
    SynthOptions o;
    o.users = 600, o.items = 600, o.events = 24000, o.seed = 8;
    d = synthesize(o);
    const Split s = leave_one_out(d, false);
    train = part_matrix(d, s, Part::train, RowsAre::users);
    std::fill(train.val.begin(), train.val.end(), 1.0f);
    targets = part_matrix(d, s, Part::test, RowsAre::users);
    negatives = sample_negatives(d, 99, 42);
  }
  void expect_well_above_popularity(const char* model, Exec& ex, const BuiltModel& m) {
    ModelScorer scorer(ex, m.net.input("ratings"), m.net.output(), train);
    expect_well_above_popularity(model, scorer);
  }
  void expect_well_above_popularity(const char* model, Scorer& scorer) {
    PopularityScorer pop(train);
    const TopNMetrics c = evaluate_topn(scorer, targets, train, negatives, 99),
                      p = evaluate_topn(pop, targets, train, negatives, 99);
    std::printf("%s HR@10 %.3f NDCG@10 %.3f; popularity %.3f %.3f\n", model, c.hr10, c.ndcg10, p.hr10, p.ndcg10);
    EXPECT_GT(c.hr10, p.hr10 + 0.05) << model << " " << c.hr10 << " vs popularity " << p.hr10;
    EXPECT_GT(c.ndcg10, p.ndcg10);
  }
};

TEST(TopN, CdaeLearnsPlantedTasteWellAbovePopularity) {
  PlantedTopN t;
  BuiltModel m = build_model("cdae", {{"hidden", "32"}, {"user_node", "0"}}, t.d.n_users(), t.d.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 25, cfg.batch_rows = 32, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  train_rows_with_targets(ex, m.net.input("ratings"), m.net.input("targets"), t.train, t.train, m.defaults.negatives,
                          cfg, step, nullptr);
  t.expect_well_above_popularity("CDAE", ex, m);
}

TEST(TopN, MultDaeLearnsPlantedTasteWellAbovePopularity) {
  PlantedTopN t;
  BuiltModel m = build_model("multdae", {{"hidden", "64"}}, t.d.n_users(), t.d.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 30, cfg.batch_rows = 50, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.003f;
  BackpropStep step;
  train_rows(ex, m.net.input("ratings"), t.train, cfg, step, nullptr);
  t.expect_well_above_popularity("Mult-DAE", ex, m);
}

TEST(TopN, MultVaeLearnsPlantedTasteWellAbovePopularity) {
  PlantedTopN t;
  BuiltModel m = build_model("multvae", {{"hidden", "64"}, {"latent", "16"}, {"anneal_steps", "100"}}, t.d.n_users(),
                             t.d.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 30, cfg.batch_rows = 50, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.003f;
  BackpropStep step;
  train_rows(ex, m.net.input("ratings"), t.train, cfg, step, nullptr);
  t.expect_well_above_popularity("Mult-VAE", ex, m);
}

// CFGAN's generator learns the taste through the discriminator alone (its only signal besides
// the zero reconstruction's pull towards 0), and slowly: at its default widths and lr 1e-3, 40
// epochs left it at popularity's HR@10 (0.412 against 0.402), 150 reach about 0.50.
TEST(TopN, CfganLearnsPlantedTasteWellAbovePopularity) {
  PlantedTopN t;
  BuiltModel m = build_model("cfgan", {}, t.d.n_users(), t.d.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 150, cfg.batch_rows = 32, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.001f;
  const std::unique_ptr<TrainStep> step = m.make_step();
  train_rows(ex, m.net.input("ratings"), t.train, cfg, *step, nullptr);
  t.expect_well_above_popularity("CFGAN", ex, m);
}

// Two-stage ranking: the ranker's scores on the retrieval's top-n unseen items (ties: the lower
// index), the lowest float elsewhere; the retrieval recall counts the targets among them.
TEST(TopN, TwoStageRanksOnlyTheRetrievedUnseenItems) {
  // 2 users x 6 items. Retrieval prefers high indices; user 0 has seen item 5, user 1 nothing.
  const std::vector<std::vector<float>> retrieval = {{0, 1, 2, 2, 4, 5}, {5, 4, 3, 3, 1, 0}},
                                        ranker = {{9, 8, 7, 6, 5, 4}, {1, 2, 3, 4, 5, 6}};
  TableScorer r(retrieval), k(ranker);
  HostCsr seen;
  seen.rows = 2, seen.cols = 6, seen.row_ptr = {0, 1, 1}, seen.col_idx = {5}, seen.val = {1.0f};
  CandidateScorer two(r, k, seen, 3);
  std::vector<float> out;
  two.score({0, 1}, out);
  const float low = std::numeric_limits<float>::lowest();
  // user 0: unseen by retrieval 4 (4), 2 and 3 (2, 2: both, item 2 first) -> {4, 2, 3}
  EXPECT_EQ(out,
            (std::vector<float>{low, low, 7, 6, 5, low, /* user 1: 0, 1, then 2 before 3 */ 1, 2, 3, low, low, low}));
  HostCsr targets;
  targets.rows = 2, targets.cols = 6, targets.row_ptr = {0, 1, 2}, targets.col_idx = {3, 3}, targets.val = {1, 1};
  EXPECT_DOUBLE_EQ(retrieval_recall(r, targets, seen, 3), 0.5);  // user 0's 3 is in, user 1's is not
  EXPECT_DOUBLE_EQ(retrieval_recall(r, targets, seen, 4), 1.0);
  EXPECT_THROW(CandidateScorer(r, k, seen, 0), std::exception);
}

// Two-tower retrieval, its logQ correction on and off: every interaction an example, softmax over
// the batch's items and shared draws.
class TwoTowerLearnsPlantedTaste : public ::testing::TestWithParam<const char*> {};

TEST_P(TwoTowerLearnsPlantedTaste, WellAbovePopularity) {
  PlantedTopN t;
  BuiltModel m = build_model("twotower", {{"hidden", "32"}, {"dim", "16"}, {"n_sample", "64"}, {"logq", GetParam()}},
                             t.d.n_users(), t.d.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 6, cfg.batch_rows = 128, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.005f;
  BackpropStep step;
  train_two_tower(ex, TwoTowerInputs::of(m.net), t.train, *m.in_batch, cfg, step, nullptr);
  t.expect_well_above_popularity(*GetParam() == '1' ? "two-tower (logQ)" : "two-tower", ex, m);
}

INSTANTIATE_TEST_SUITE_P(LogQ, TwoTowerLearnsPlantedTaste, ::testing::Values("1", "0"));

// The batches of two-tower training: every interaction once per epoch, its item held out of the
// history, the candidates a block (the batch's items, then the shared draws) marking the
// example's own item, and one −log q per candidate, q its expected count among them.
TEST(TwoTower, BatchesHoldEveryInteractionOnceWithItsCandidatesAndLogQ) {
  SynthOptions o;
  o.users = 40, o.items = 30, o.events = 500, o.seed = 2;
  const Dataset d = synthesize(o);
  HostCsr m = part_matrix(d, leave_one_out(d, false), Part::train, RowsAre::users);
  std::fill(m.val.begin(), m.val.end(), 1.0f);
  InBatchSampling s;
  s.n_sample = 7, s.alpha = 0.5f;
  const int64_t batch = 16;
  TwoTowerBatcher b(m, s, batch, 11);
  std::vector<int64_t> counts(static_cast<size_t>(m.cols), 0);
  for (int32_t j : m.col_idx) ++counts[static_cast<size_t>(j)];
  double draw_total = 0.0;
  for (int64_t c : counts) draw_total += c > 0 ? std::pow(static_cast<double>(c), 0.5) : 0.0;
  std::vector<std::vector<int32_t>> epochs;
  for (int epoch : {1, 2}) {
    b.start_epoch(epoch);
    std::multiset<std::pair<int32_t, int32_t>> seen;  // (user's history size + 1, item) per example
    std::vector<int32_t> order;
    for (int64_t k = 0; k < b.batches(); ++k) {
      HostBatch h;
      ASSERT_TRUE(b.fill(k, h));
      ASSERT_EQ(h.shape.size(), 3u * 3);  // three sparse batches
      const int64_t rows = b.rows_in(k), width = rows + s.n_sample;
      EXPECT_EQ(h.shape[0], rows);
      EXPECT_EQ(h.shape[3], rows);
      EXPECT_EQ(h.shape[5], width);                                     // a block: every row lists the same candidates
      const std::vector<int32_t>& cand = h.ints[kSparseBatchInts + 1];  // the targets' col_idx
      const std::vector<float>& marks = h.floats[1];
      const std::vector<float>& logq = h.floats[2];
      ASSERT_EQ(logq.size(), static_cast<size_t>(width));
      for (int64_t r = 0; r < rows; ++r) {
        const int32_t item = cand[static_cast<size_t>(r * width + r)];
        order.push_back(item);
        for (int64_t c = 0; c < width; ++c) {
          EXPECT_EQ(cand[static_cast<size_t>(r * width + c)], cand[static_cast<size_t>(c)]);  // the shared list
          EXPECT_EQ(marks[static_cast<size_t>(r * width + c)], c == r ? 1.0f : 0.0f);
        }
        // The history: sparse batch 0's row r, without the item.
        const std::vector<int32_t>& hp = h.ints[0];
        const std::vector<int32_t>& hc = h.ints[1];
        const int64_t n = hp[static_cast<size_t>(r + 1)] - hp[static_cast<size_t>(r)];
        EXPECT_EQ(
            std::count(hc.begin() + hp[static_cast<size_t>(r)], hc.begin() + hp[static_cast<size_t>(r + 1)], item), 0);
        seen.insert({static_cast<int32_t>(n + 1), item});
      }
      for (int64_t c = 0; c < width; ++c) {
        const int32_t j = cand[static_cast<size_t>(c)];
        const double q = static_cast<double>(rows) * static_cast<double>(counts[static_cast<size_t>(j)]) /
                             static_cast<double>(m.nnz()) +
                         s.n_sample * std::pow(static_cast<double>(counts[static_cast<size_t>(j)]), 0.5) / draw_total;
        EXPECT_NEAR(logq[static_cast<size_t>(c)], -std::log(q), 1e-5) << "candidate " << c;
      }
    }
    std::multiset<std::pair<int32_t, int32_t>> want;
    for (int64_t u = 0; u < m.rows; ++u)
      for (int32_t e = m.row_ptr[u]; e < m.row_ptr[u + 1]; ++e)
        want.insert({m.row_ptr[u + 1] - m.row_ptr[u], m.col_idx[static_cast<size_t>(e)]});
    EXPECT_EQ(seen, want) << "epoch " << epoch;
    epochs.push_back(order);
  }
  EXPECT_NE(epochs[0], epochs[1]);  // shuffled per epoch
  TwoTowerBatcher again(m, s, batch, 11);
  again.start_epoch(1);
  HostBatch x, y;
  b.start_epoch(1);
  ASSERT_TRUE(b.fill(0, x) && again.fill(0, y));
  EXPECT_EQ(x.ints, y.ints);  // the seed decides
  EXPECT_EQ(x.floats, y.floats);

  // Clicks repeat: every click of the example's item leaves the history; without logQ, two batches.
  HostCsr clicks;
  clicks.rows = 1, clicks.cols = 5, clicks.row_ptr = {0, 4}, clicks.col_idx = {1, 3, 3, 4};
  s.logq = false, s.n_sample = 2;
  TwoTowerBatcher c(clicks, s, 4, 1);
  c.start_epoch(1);
  HostBatch h;
  ASSERT_TRUE(c.fill(0, h));
  EXPECT_EQ(h.shape.size(), 2u * 3);
  const std::vector<int32_t>&rp = h.ints[0], &ci = h.ints[1], &items = h.ints[kSparseBatchInts + 1];
  for (int r = 0; r < 4; ++r) {
    const int32_t item = items[static_cast<size_t>(r)];
    std::multiset<int32_t> got(ci.begin() + rp[r], ci.begin() + rp[r + 1]), want;
    for (int32_t j : clicks.col_idx)
      if (j != item) want.insert(j);
    EXPECT_EQ(got, want) << "example " << r << " (item " << item << ")";
  }
}

// NCF's three models on (user, item) pairs with 4 sampled negatives per positive.
class NcfLearnsPlantedTaste : public ::testing::TestWithParam<const char*> {};

TEST_P(NcfLearnsPlantedTaste, WellAbovePopularity) {
  PlantedTopN t;
  BuiltModel m = build_model(GetParam(), {{"factors", "8"}, {"l2", "0.1"}}, t.d.n_users(), t.d.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 30, cfg.batch_rows = 128, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.005f;
  BackpropStep step;
  const PairInputs in = PairInputs::of(m.net);
  train_pairs(ex, in, t.train, m.defaults.negatives, false, cfg, step, nullptr);
  PairScorer scorer(ex, in, t.d.n_items());
  t.expect_well_above_popularity(GetParam(), scorer);
}

INSTANTIATE_TEST_SUITE_P(Ncf, NcfLearnsPlantedTaste, ::testing::Values("gmf", "mlp", "neumf"));

// Pair models whose scores factorize recommend by one GEMM (FactorScorer) what a forward pass per
// (user, item) pair recommends: the same items (but for a swap of near-ties) and scores, for a run
// of consecutive users and for users in any order. Trained a little first, so that every bias the
// factors absorb is nonzero. GMF with and without its item biases (an extra column each side).
class FactorizedPairModels : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(FactorizedPairModels, RecommendByGemmAsByPairs) {
  PlantedTopN t;
  const char* model = GetParam().first;
  std::map<std::string, std::string> options = {{"factors", "8"}};
  if (*GetParam().second) options["item_bias"] = GetParam().second;
  BuiltModel m = build_model(model, options, t.d.n_users(), t.d.n_items());
  ASSERT_TRUE(m.pair_factors) << model << " declares no factors";
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 5);
  TrainConfig cfg;
  cfg.epochs = 2, cfg.batch_rows = 64, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  const PairInputs in = PairInputs::of(m.net);
  const bool ratings = m.task == Task::ratings;
  train_pairs(ex, in, t.train, ratings ? 0 : m.defaults.negatives, ratings, cfg, step, nullptr);
  const FactorScorer gemm(*be, m.pair_factors(ex.params()));
  std::vector<int32_t> run(static_cast<size_t>(t.d.n_users()));
  for (size_t u = 0; u < run.size(); ++u) run[u] = static_cast<int32_t>(u);
  for (const std::vector<int32_t>& users : {run, std::vector<int32_t>{7, 2, 30, 2, 0}}) {
    const auto want = recommend_pairs_topk(ex, in, t.train, users, 15);
    const auto got = gemm.topk(t.train, users, 15);
    ASSERT_EQ(got.size(), want.size());
    for (size_t u = 0; u < want.size(); ++u) {
      ASSERT_EQ(got[u].size(), want[u].size()) << "user " << users[u];
      const auto& w = want[u];
      auto near = [](float a, float b) { return std::abs(a - b) <= 1e-5f * std::max(1.0f, std::abs(a)); };
      for (size_t j = 0; j < w.size(); ++j) {
        EXPECT_TRUE(near(got[u][j].score, w[j].score))
            << model << " user " << users[u] << " rank " << j + 1 << ": " << got[u][j].score << " vs " << w[j].score;
        const bool tie =
            (j > 0 && near(w[j - 1].score, w[j].score)) || (j + 1 < w.size() && near(w[j + 1].score, w[j].score));
        if (!tie) {
          EXPECT_EQ(got[u][j].item, w[j].item) << model << " user " << users[u] << " rank " << j + 1;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Recommend, FactorizedPairModels,
                         ::testing::Values(std::make_pair("gmf", ""), std::make_pair("gmf", "0"),
                                           std::make_pair("biased_mf", "")));

}  // namespace
}  // namespace sr::test
