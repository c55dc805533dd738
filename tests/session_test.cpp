// Session models: click sessions in entry order and over training's item space, the session
// protocol's ranks and metrics on a hand-checked case, the popularity sampler, the block (shared
// columns) path of sampled outputs against per-pair dot products, and GRU4Rec learning an order
// that the last click alone cannot tell (planted routes) under each of its losses.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/data/batchers.h"
#include "engine/eval/repeat_mix.h"
#include "engine/eval/session_eval.h"
#include "engine/net/exec.h"
#include "engine/net/scoring.h"
#include "engine/train/session_trainer.h"
#include "kernels/sparse_batch.h"
#include "models/registry.h"
#include "models/session_baselines.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

Dataset clicks(const std::vector<std::vector<int64_t>>& items, const std::vector<int64_t>& first_time,
               std::vector<int64_t> ids) {
  DatasetArrays a;
  std::vector<int64_t> all;
  for (size_t s = 0; s < items.size(); ++s) {
    for (size_t k = 0; k < items[s].size(); ++k)
      all.push_back(items[s][k]), a.time.push_back(first_time[s] + static_cast<int64_t>(k));
    a.row_ptr.push_back(static_cast<int64_t>(all.size()));
    a.user_ids.push_back(static_cast<int64_t>(s));
  }
  std::sort(ids.begin(), ids.end());
  a.item_ids = ids;
  for (int64_t id : all)
    a.item.push_back(static_cast<int32_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin()));
  DatasetInfo info;
  info.feedback = Feedback::clicks;
  return Dataset::from_arrays(info, std::move(a));
}

TEST(Sessions, EntryOrderAndTheTrainingItemSpace) {
  // Training items (ids) 10, 20, 30, 40; the test file knows 20, 30, 50, 60.
  const Dataset train = clicks({{10, 20, 30}, {40}, {20, 10}}, {50, 10, 20}, {10, 20, 30, 40});
  const Sessions s = sessions_of(train);
  ASSERT_EQ(s.size(), 2);  // the one-click session is left out
  EXPECT_EQ(std::vector<int32_t>(s[0].begin(), s[0].end()), (std::vector<int32_t>{1, 0}));  // first click t20
  EXPECT_EQ(std::vector<int32_t>(s[1].begin(), s[1].end()), (std::vector<int32_t>{0, 1, 2}));
  const Dataset test = clicks({{20, 50, 30}, {50, 60}, {60, 20}}, {5, 6, 7}, {20, 30, 50, 60});
  int64_t dropped = 0;
  const Sessions t = sessions_in_item_space(test, train, &dropped);
  EXPECT_EQ(dropped, 4);   // 50, 50, 60, 60
  ASSERT_EQ(t.size(), 1);  // {20, 30}; the others fall below two clicks
  EXPECT_EQ(t.n_items, 4);
  EXPECT_EQ(std::vector<int32_t>(t[0].begin(), t[0].end()), (std::vector<int32_t>{1, 2}));
}

// Scores: item j scores table[click][j] whatever the lane.
class NextTableScorer final : public SessionScorer {
 public:
  explicit NextTableScorer(std::vector<std::vector<float>> t) : t_(std::move(t)) {}
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>&, std::vector<float>& scores) override {
    scores.clear();
    for (int32_t i : items) scores.insert(scores.end(), t_[i].begin(), t_[i].end());
  }
  std::vector<std::vector<float>> t_;
};

TEST(SessionEval, RanksWithTiesAgainstOnAHandCheckedCase) {
  const float s[] = {1.0f, 2.0f, 2.0f, 3.0f};
  EXPECT_EQ(rank_with_ties_against(s, 4, 1), 3);
  EXPECT_EQ(rank_with_ties_against(s, 4, 3), 1);
  EXPECT_EQ(rank_with_ties_against(s, 4, 0), 4);
  // 25 items; after click c the scorer ranks item (c + 1) first, then items by index with ties.
  std::vector<std::vector<float>> t(25, std::vector<float>(25, 0.0f));
  for (int c = 0; c < 25; ++c) {
    for (int j = 0; j < 25; ++j) t[c][j] = static_cast<float>(j) / 100.0f;
    t[c][(c + 1) % 25] = 10.0f;
  }
  Sessions test;
  test.n_items = 25;
  test.add({0, 1, 2});   // two events, both rank 1
  test.add({5, 0});      // target 0 scores lowest: rank 25 (outside the top 20)
  test.add({7, 3, 24});  // 3: items 4..24 but 8 beat it plus item 8 at 10: rank 1 + 21 = 22; 24: rank 2 (item 4 at 10)
  for (int lanes : {1, 2, 5}) {
    NextTableScorer scorer(t);
    const SessionMetrics m = evaluate_sessions(scorer, test, lanes, 20);
    EXPECT_EQ(m.events, 5) << lanes << " lanes";
    EXPECT_NEAR(m.recall, 3.0 / 5.0, 1e-12) << lanes << " lanes";
    EXPECT_NEAR(m.mrr, (1.0 + 1.0 + 0.5) / 5.0, 1e-12) << lanes << " lanes";
  }
}

// The mixture ranks items as p(i) = (1 − w)·softmax(s)_i + w·count(i)/clicks, computed here directly;
// a lane's start forgets its earlier clicks; w = 0 leaves the net's scores as they are.
TEST(RepeatMix, RanksAsTheMixtureOfTheNetAndTheSessionsOwnItems) {
  std::mt19937_64 rng(test_seed());
  const int n = 13;
  std::vector<std::vector<float>> t(n);
  for (auto& row : t) row = random_vector(n, rng, -3.0f, 3.0f);
  const float w = 0.3f;
  NextTableScorer net(t);
  RepeatMixScorer mix(net, n, w);
  // Two lanes: lane 0 clicks 4, 4, 7 (one session); lane 1 clicks 2, then starts afresh at 9.
  const std::vector<std::vector<int32_t>> items = {{4, 2}, {4, 9}, {7, 5}};
  const std::vector<std::vector<int32_t>> starts = {{1, 1}, {0, 1}, {0, 0}};
  const std::vector<std::vector<std::vector<int32_t>>> sessions = {{{4}, {2}}, {{4, 4}, {9}}, {{4, 4, 7}, {9, 5}}};
  for (size_t k = 0; k < items.size(); ++k) {
    std::vector<float> got;
    mix.step(items[k], starts[k], got);
    ASSERT_EQ(got.size(), 2u * n);
    for (size_t l = 0; l < 2; ++l) {
      const std::vector<float>& s = t[static_cast<size_t>(items[k][l])];
      double z = 0.0;
      for (float v : s) z += std::exp(static_cast<double>(v));
      std::vector<double> p(n);
      for (int i = 0; i < n; ++i) p[i] = (1.0 - w) * std::exp(static_cast<double>(s[i])) / z;
      for (int32_t c : sessions[k][l]) p[c] += w / static_cast<double>(sessions[k][l].size());
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          if (std::abs(p[i] - p[j]) > 1e-6) {
            EXPECT_EQ(p[i] > p[j], got[l * n + i] > got[l * n + j])
                << "step " << k << " lane " << l << " items " << i << ", " << j;
          }
      // The log of the mixture up to a constant: differences of scores are log ratios.
      EXPECT_NEAR(got[l * n + 0] - got[l * n + 1], std::log(p[0] / p[1]), 1e-4) << "step " << k << " lane " << l;
    }
  }
  RepeatMixScorer off(net, n, 0.0f);
  std::vector<float> plain, mixed;
  net.step({4, 2}, {1, 1}, plain);
  off.step({4, 2}, {1, 1}, mixed);
  EXPECT_EQ(plain, mixed);
  EXPECT_THROW(RepeatMixScorer(net, n, 1.0f), std::exception);
  EXPECT_THROW(RepeatMixScorer(net, n, -0.1f), std::exception);
}

// On sessions whose next click repeats the one before, and a net that ranks that click low, the
// validation chooses a weight > 0 and the mixture finds every repeat; on sessions without repeats
// and a net that knows the next click, it keeps 0.
TEST(RepeatMix, TheWeightIsChosenOnValidationSessions) {
  const int n = 30;
  std::vector<std::vector<float>> wrong(n, std::vector<float>(n, 0.0f)), right = wrong;
  for (int c = 0; c < n; ++c) {
    for (int j = 0; j < n; ++j) wrong[c][j] = static_cast<float>(j) / 10.0f;  // item 29 first, the click last
    wrong[c][c] = -5.0f;
    right[c][(c + 1) % n] = 5.0f;
  }
  Sessions repeats, fresh;
  repeats.n_items = fresh.n_items = n;
  for (int s = 0; s < 20; ++s) {
    repeats.add({s % 10, s % 10, s % 10});
    fresh.add({s, s + 1, s + 2});
  }
  NextTableScorer low(wrong), knows(right);
  const RepeatChoice a = choose_repeat_weight(low, repeats, 4);
  EXPECT_GT(a.weight, 0.0f);
  ASSERT_EQ(a.mrr.size(), repeat_weight_grid().size());
  EXPECT_LT(a.mrr[0], 0.1);
  RepeatMixScorer mix(low, n, a.weight);
  EXPECT_NEAR(evaluate_sessions(mix, repeats, 4, 20).mrr, 1.0, 1e-12);
  const RepeatChoice b = choose_repeat_weight(knows, fresh, 4);
  EXPECT_EQ(b.weight, 0.0f);
  EXPECT_NEAR(b.mrr[0], 1.0, 1e-12);
}

// The one pass that ranks under every weight gives, for each, exactly the MRR of evaluating the
// mixture with that weight: random scores, sessions with repeats, more lanes than some sessions.
TEST(RepeatMix, OnePassScoresEveryWeightAsItsOwnEvaluation) {
  std::mt19937_64 rng(test_seed());
  const int n = 29;  // past the cut of 20
  std::vector<std::vector<float>> t(n);
  for (auto& row : t) row = random_vector(n, rng, -2.0f, 2.0f);
  t[3][5] = t[3][6];  // a tie
  Sessions valid;
  valid.n_items = n;
  std::uniform_int_distribution<int> item(0, n - 1), length(2, 9), few(0, 3);
  for (int s = 0; s < 40; ++s) {
    std::vector<int32_t> clicks;
    const int len = length(rng);
    for (int c = 0; c < len; ++c)
      clicks.push_back(c > 0 && few(rng) == 0 ? clicks[static_cast<size_t>(few(rng)) % clicks.size()] : item(rng));
    valid.add(clicks);
  }
  for (int lanes : {1, 3, 8}) {
    NextTableScorer net(t);
    const RepeatChoice c = choose_repeat_weight(net, valid, lanes);
    ASSERT_EQ(c.mrr.size(), repeat_weight_grid().size());
    for (size_t g = 0; g < c.mrr.size(); ++g) {
      RepeatMixScorer mix(net, n, repeat_weight_grid()[g]);
      EXPECT_EQ(c.mrr[g], evaluate_sessions(mix, valid, lanes, 20).mrr) << "weight " << repeat_weight_grid()[g];
    }
  }
}

TEST(SessionSampling, PopularityToTheAlphaAndReproducible) {
  const std::vector<int64_t> counts = {1, 0, 4, 16};
  std::vector<int32_t> a, b;
  for (float alpha : {0.0f, 0.5f, 1.0f}) {
    const PopularitySampler s(counts, alpha);
    s.draw(7, 200000, a);
    s.draw(7, 200000, b);
    EXPECT_EQ(a, b);
    std::vector<double> f(4, 0.0);
    for (int32_t i : a) f[i] += 1.0 / 200000.0;
    double total = 0.0;
    for (int64_t c : counts) total += c > 0 ? std::pow(c, alpha) : 0.0;
    for (size_t i = 0; i < 4; ++i)
      EXPECT_NEAR(f[i], counts[i] > 0 ? std::pow(counts[i], alpha) / total : 0.0, 0.005)
          << "alpha " << alpha << " item " << i;
  }
  EXPECT_THROW(PopularitySampler({0, 0}, 0.5f), Error);
}

struct BlockCase {
  const char* name;
};
const BlockCase kBlockCases[] = {{"five_rows_seven_shared_columns"}};
std::string block_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kBlockCases[std::get<1>(info.param)].name;
}

using BlockOutput = BackendParity<BlockCase, kBlockCases>;

TEST_P(BlockOutput, SharedColumnsScoreAndLearnAsPerPairDotProducts) {
  // The same sampled output on a block pattern (every row lists the same 7 columns, one repeated)
  // and on the same pairs spelled out with one extra entry in the last row, which makes it an
  // ordinary pattern: scores and gradients of the shared pairs must agree.
  const int64_t rows = 5, width = 13, hidden = 6;
  const std::vector<int32_t> cols = {3, 11, 0, 3, 7, 12, 5};
  HostCsr block, loose;
  block.rows = loose.rows = rows, block.cols = loose.cols = width;
  for (int64_t r = 0; r < rows; ++r) {
    block.col_idx.insert(block.col_idx.end(), cols.begin(), cols.end());
    loose.col_idx.insert(loose.col_idx.end(), cols.begin(), cols.end());
    if (r == rows - 1) loose.col_idx.push_back(9);
    block.row_ptr.push_back(static_cast<int32_t>(block.col_idx.size()));
    loose.row_ptr.push_back(static_cast<int32_t>(loose.col_idx.size()));
  }
  ASSERT_EQ(shared_row_columns(block), 7);
  ASSERT_EQ(shared_row_columns(loose), 0);
  block.val = random_vector(block.col_idx.size(), rng_, -1.0f, 1.0f);
  loose.val = block.val;
  loose.val.push_back(0.0f);
  const auto h0 = random_vector(static_cast<size_t>(rows * hidden), rng_);
  std::map<std::string, std::vector<float>> grads[2];
  std::vector<float> scores[2];
  for (int v = 0; v < 2; ++v) {
    Net net("block");
    Var x = net.sparse_input("x", width), target = net.sparse_input("target", width);
    Var h = net.dense(x, hidden, Act::tanh, "h");
    net.minimize(masked_mse(net.sparse_output(h, width, Act::sigmoid, target, "out"), target));
    Exec ex(net, *be_, 3);
    const SparseBatch in(*be_, block), t(*be_, v == 0 ? block : loose);
    ex.bind(net.input("x"), &in);
    ex.bind(target, &t);
    ex.forward(true);
    ex.backward();
    scores[v] = sparse_values(ex, net.output());
    scores[v].resize(block.col_idx.size());  // the shared pairs
    for (const Param* p : net.params()) grads[v][p->name] = ex.gradient(*p).g.to_host();
  }
  EXPECT_TRUE(all_close(scores[0], scores[1], 1e-5f, 1e-4f));
  // The loose pattern's extra pair (column 9, target 0) adds to column 9's rows only.
  for (auto& [name, g] : grads[0]) {
    std::vector<float> other = grads[1][name];
    if (name == "out.weight")
      for (int64_t c = 0; c < hidden; ++c) other[9 * hidden + c] = g[9 * hidden + c];
    if (name == "out.bias") other[9] = g[9];
    if (name == "h.weight" || name == "h.bias") continue;  // the extra pair's gradient flows into h
    EXPECT_TRUE(all_close(g, other, 1e-5f, 1e-4f)) << name;
  }
}

SR_INSTANTIATE_ON_ALL_BACKENDS(BlockOutput, kBlockCases, block_name);

// Routes through a small catalogue in which every route shares its middle item 0: what follows
// 0 depends on the click before it, which the last click alone cannot tell.
Sessions planted_routes(int n_sessions, uint64_t seed) {
  const std::vector<std::vector<int32_t>> routes = {{1, 0, 2, 3}, {4, 0, 5, 6}, {7, 0, 8, 9}, {10, 0, 11, 12}};
  Sessions s;
  s.n_items = 13;
  for (int i = 0; i < n_sessions; ++i) s.add(routes[splitmix64(seed + static_cast<uint64_t>(i)) % routes.size()]);
  return s;
}

// GRU4Rec with options kv trained on `train` (8 epochs, 8 lanes, Adagrad 0.1) on the CPU: its
// Recall@1 on `test`.
double gru4rec_recall_at_1(const Sessions& train, const Sessions& test, const std::map<std::string, std::string>& kv) {
  auto backend = make_backend("cpu");
  BuiltModel m = build_model("gru4rec", kv, 0, train.n_items);
  Exec ex(m.net, *backend, 11);
  TrainConfig cfg;
  cfg.epochs = 8, cfg.batch_rows = 8, cfg.optimizer.kind = OptKind::adagrad, cfg.optimizer.lr = 0.1f;
  BackpropStep step;
  train_sessions(ex, train, m.sampling, cfg, step, nullptr);
  NetSessionScorer scorer(ex, train.n_items);
  return evaluate_sessions(scorer, test, 8, 1).recall;
}

// The sampled output's pattern is a block, encoded without the transpose of its rows x (batch +
// n_sample) entries (the host cost that bounded GRU4Rec's steps on a GPU); the item input keeps
// its own, and the block's shared row and touched items are there.
TEST(SessionBatch, SampledOutputGoesWithoutTheWholePatternsTranspose) {
  HostBatch lanes, out;
  lanes.ints = {{3, 1, 4}, {1, 5, 9}, {0, 1, 0}};
  const std::vector<int32_t> samples = {2, 6, 5, 3};
  encode_session_batch(lanes, 10, &samples, out);
  const auto field = [&](int batch, int f) { return out.ints[static_cast<size_t>(kSparseBatchInts * batch + f)]; };
  EXPECT_EQ(out.shape[kSparseBatchShape + 2], 7) << "every lane scores the batch's 3 targets and 4 samples";
  EXPECT_EQ(field(1, 1).size(), 21u);
  for (int f = 2; f <= 5; ++f) EXPECT_TRUE(field(1, f).empty()) << "field " << f;
  EXPECT_EQ(field(1, 10), (std::vector<int32_t>{1, 2, 3, 5, 6, 9}));  // the shared row's distinct items
  EXPECT_EQ(field(0, 5), (std::vector<int32_t>{1, 3, 4}));            // the input's touched items
  EXPECT_EQ(out.shape.size(), static_cast<size_t>(2 * kSparseBatchShape + 1)) << "lane 1 starts a session";
}

TEST(Gru4Rec, LearnsWhatFollowsASharedItemFromTheClickBeforeIt) {
  const Sessions train = planted_routes(600, 1), test = planted_routes(100, 2);
  SessionItemKnnScorer knn(train);
  const SessionMetrics base = evaluate_sessions(knn, test, 8, 1);  // Recall@1: the exact next click
  // Item-kNN scores co-occurrence in a session, not order: every item of the route ties.
  EXPECT_LT(base.recall, 0.85);
  // Untied one-hot input: a route's first click reaches the GRU through weights of its own, so the
  // state after 0 still tells the routes apart. (Tied, the first clicks' embeddings are trained
  // only as the softmax's negatives — one-step training never asks them to differ — and collapse.)
  for (const char* loss : {"xent", "xent-sampled", "bpr-max", "top1-max", "bpr", "top1"}) {
    std::map<std::string, std::string> kv = {{"hidden", "16"}, {"loss", loss}, {"dropout", "0"}, {"tied", "0"}};
    if (std::string(loss) != "xent") kv["n_sample"] = "4";  // the full softmax has no samples
    EXPECT_GT(gru4rec_recall_at_1(train, test, kv), 0.97) << loss << " (item-kNN " << base.recall << ")";
  }
}

// Tied input and output (the default): on routes whose clicks each say what follows, every next
// click is learnt, by the full softmax and by the sampled losses through the shared table.
TEST(Gru4Rec, TiedEmbeddingLearnsWhatFollowsEachClick) {
  Sessions train, test;
  const std::vector<std::vector<int32_t>> routes = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}, {12, 1, 13, 14}};
  for (Sessions* s : {&train, &test}) {
    s->n_items = 15;
    for (int i = 0; i < 400; ++i)
      s->add(routes[splitmix64(static_cast<uint64_t>(i) + (s == &test ? 7000 : 0)) % routes.size()]);
  }
  for (const char* loss : {"xent", "bpr-max", "top1-max"}) {
    std::map<std::string, std::string> kv = {{"hidden", "16"}, {"loss", loss}, {"dropout", "0"}};
    if (std::string(loss) != "xent") kv["n_sample"] = "4";
    // Item 1 is followed by 2 or 13, by the click before it: a model that reads only the last
    // click gets 11 of 12 events (ties count against it), one with memory all of them.
    EXPECT_GT(gru4rec_recall_at_1(train, test, kv), 0.9) << loss;
  }
}

// A prefix model (NARM, STAMP) with options kv trained on `train` (20 epochs, batch 32, Adam 0.01)
// on the CPU: its Recall@1 on `test`.
double prefix_model_recall_at_1(const std::string& model, const std::map<std::string, std::string>& kv,
                                const Sessions& train, const Sessions& test) {
  auto backend = make_backend("cpu");
  BuiltModel m = build_model(model, kv, 0, train.n_items);
  Exec ex(m.net, *backend, 11);
  TrainConfig cfg;
  cfg.epochs = 20, cfg.batch_rows = 32, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  train_prefixes(ex, train, m.prefix_steps, false, cfg, step, nullptr);
  PrefixSessionScorer scorer(ex, m.prefix_steps, train.n_items);
  return evaluate_sessions(scorer, test, 8, 1).recall;
}

TEST(Narm, LearnsWhatFollowsASharedItemFromTheClickBeforeIt) {
  const Sessions train = planted_routes(600, 1), test = planted_routes(100, 2);
  EXPECT_GT(prefix_model_recall_at_1(
                "narm",
                {{"embedding", "8"}, {"hidden", "16"}, {"max_len", "3"}, {"dropout", "0"}, {"dropout_embedding", "0"}},
                train, test),
            0.97);
}

// STAMP has no recurrence: the click before the last reaches the score through the session mean
// and the attention over the prefix's embeddings.
TEST(Stamp, LearnsWhatFollowsASharedItemFromTheClickBeforeIt) {
  const Sessions train = planted_routes(600, 1), test = planted_routes(100, 2);
  EXPECT_GT(prefix_model_recall_at_1("stamp", {{"embedding", "16"}, {"max_len", "3"}}, train, test), 0.97);
}

}  // namespace
}  // namespace sr::test
