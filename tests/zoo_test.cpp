// The rating models of the zoo beyond AutoRec: one CD-k step of RBM-CF against a reference
// written from the paper's equations, and biased MF and RBM-CF learning planted structure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "engine/data/rating_levels.h"
#include "engine/eval/pair_scorer.h"
#include "engine/eval/rating_eval.h"
#include "engine/train/cd_step.h"
#include "engine/train/pipeline.h"
#include "models/models.h"
#include "models/registry.h"
#include "tests/error_expect.h"
#include "tests/planted_ratings.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// ---- one CD step by hand ----------------------------------------------------------------------

struct CdCase {
  const char* name;
  int k;
};
const CdCase kCdCases[] = {{"cd1", 1}, {"cd2_samples_between_rounds", 2}};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

using CdStepReference = BackendParity<CdCase, kCdCases>;

// Two users, three items, two rating levels, three hidden units; user 0 rated item 0 as 2 and item
// 2 as 1, user 1 rated item 1 as 1. The reference follows Salakhutdinov et al. (2007) in doubles
// with the step's own draws (uniform01 of the seeds the Exec hands out, in order).
TEST_P(CdStepReference, OneStepEqualsTheEquations) {
  constexpr int kLevels = 2, kItems = 3, kUnits = 3;
  HostCsr ratings;
  ratings.rows = 2, ratings.cols = kItems;
  ratings.row_ptr = {0, 2, 3}, ratings.col_idx = {0, 2, 1}, ratings.val = {2.0f, 1.0f, 1.0f};
  const HostCsr v = expand_rating_levels(ratings, RatingScale{1.0f, 1.0f, kLevels}, true);
  const std::map<std::string, std::string> options = {
      {"hidden", "3"}, {"levels", "2"}, {"variant", "user"}, {"cd_k", std::to_string(c_.k)}};
  BuiltModel m = build_model("rbm", options, 2, kItems);
  Exec ex(m.net, *be_, 5);
  Tensor& w = ex.params().weights(m.net.param("hidden.weight"));
  Tensor& b = ex.params().weights(m.net.param("hidden.bias"));
  Tensor& c = ex.params().weights(m.net.param("visible.bias"));
  const auto w0 = random_vector(kItems * kLevels * kUnits, rng_), b0 = random_vector(kUnits, rng_);
  const auto c0 = random_vector(kItems * kLevels, rng_);
  w.upload(w0), b.upload(b0), c.upload(c0);

  // The draws the step will use: the same Exec seed hands out the same sequence.
  std::vector<uint64_t> seeds;
  {
    BuiltModel probe = build_model("rbm", options, 2, kItems);
    Exec probe_ex(probe.net, *be_, 5);
    for (int i = 0; i < c_.k; ++i) seeds.push_back(probe_ex.draws().next());
  }

  // Reference: h0 = σ(b + Σ v W); sample; k rounds of v = softmax_K(c + W h), h = σ(b + Σ v W).
  const int rows = 2;
  auto hidden_probs = [&](const std::vector<double>& vals) {  // vals per expanded nonzero
    std::vector<double> h(rows * kUnits);
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < kUnits; ++j) {
        double x = b0[j];
        for (int e = v.row_ptr[r]; e < v.row_ptr[r + 1]; ++e) x += vals[e] * w0[v.col_idx[e] * kUnits + j];
        h[r * kUnits + j] = sigmoid(x);
      }
    return h;
  };
  auto visible_probs = [&](const std::vector<double>& h) {
    std::vector<double> p(v.nnz());
    for (int r = 0; r < rows; ++r)
      for (int e = v.row_ptr[r]; e < v.row_ptr[r + 1]; e += kLevels) {
        double z[kLevels], sum = 0.0;
        for (int l = 0; l < kLevels; ++l) {
          z[l] = c0[v.col_idx[e + l]];
          for (int j = 0; j < kUnits; ++j) z[l] += h[r * kUnits + j] * w0[v.col_idx[e + l] * kUnits + j];
          sum += std::exp(z[l]);
        }
        for (int l = 0; l < kLevels; ++l) p[e + l] = std::exp(z[l]) / sum;
      }
    return p;
  };
  auto sample = [&](std::vector<double> h, uint64_t seed) {
    for (size_t i = 0; i < h.size(); ++i) h[i] = uniform01(seed, i) < static_cast<float>(h[i]) ? 1.0 : 0.0;
    return h;
  };
  const std::vector<double> data(v.val.begin(), v.val.end());
  const std::vector<double> h0 = hidden_probs(data);
  std::vector<double> hs = sample(h0, seeds[0]), vk, hk;
  double recon = 0.0;
  for (int t = 1; t <= c_.k; ++t) {
    vk = visible_probs(hs);
    if (t == 1)
      for (size_t e = 0; e < vk.size(); ++e) recon += (vk[e] - data[e]) * (vk[e] - data[e]);
    hk = hidden_probs(vk);
    if (t < c_.k) hs = sample(hk, seeds[t]);
  }
  const double lr = 0.1, decay = 0.001;
  std::vector<double> gw(w0.size(), 0.0), gb(kUnits, 0.0), gc(c0.size(), 0.0);
  for (int r = 0; r < rows; ++r)
    for (int e = v.row_ptr[r]; e < v.row_ptr[r + 1]; ++e) {
      for (int j = 0; j < kUnits; ++j)
        gw[v.col_idx[e] * kUnits + j] += (vk[e] * hk[r * kUnits + j] - data[e] * h0[r * kUnits + j]) / rows;
      gc[v.col_idx[e]] += (vk[e] - data[e]) / rows;
    }
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < kUnits; ++j) gb[j] += (hk[r * kUnits + j] - h0[r * kUnits + j]) / rows;

  // The engine: one step of plain SGD with weight decay on W (not on the biases).
  RbmVars vars{m.net.input("ratings"), Var{}, m.net.output(), kLevels};
  for (size_t i = 0; i < m.net.vars().size(); ++i)
    if (m.net.vars()[i].name == "hidden") vars.hidden = Var{static_cast<int>(i)};
  CdStep cd(vars, c_.k);
  cd.start_epoch(1, 1);
  ASSERT_EQ(cd.k(), 1);
  cd.set_k(c_.k);
  OptimizerConfig oc;
  oc.kind = OptKind::sgd, oc.lr = static_cast<float>(lr);
  Optimizer opt(oc, static_cast<float>(decay));
  const SparseBatch batch(*be_, v);
  ex.bind(vars.input, &batch);
  const double loss = *ex.read_loss(cd.run(ex, opt), true);
  EXPECT_NEAR(loss, recon, 1e-5 + 1e-5 * recon);

  const auto w1 = w.to_host(), b1 = b.to_host(), c1 = c.to_host();
  for (size_t i = 0; i < w0.size(); ++i)
    EXPECT_NEAR(w1[i], w0[i] - lr * (gw[i] + decay * w0[i]), 1e-6) << "W[" << i << "]";
  for (int j = 0; j < kUnits; ++j) EXPECT_NEAR(b1[j], b0[j] - lr * gb[j], 1e-6) << "b[" << j << "]";
  for (size_t i = 0; i < c0.size(); ++i) EXPECT_NEAR(c1[i], c0[i] - lr * gc[i], 1e-6) << "c[" << i << "]";
}

std::string cd_name(const ::testing::TestParamInfo<CaseParam>& info) { return kCdCases[std::get<1>(info.param)].name; }
SR_INSTANTIATE_ON_ALL_BACKENDS(CdStepReference, kCdCases, cd_name);

TEST(CdStep, KRisesOverTrainingUpToTheCap) {
  EXPECT_EQ(cd_k_for_epoch(1, 40, 9), 1);
  EXPECT_EQ(cd_k_for_epoch(10, 40, 9), 1);
  EXPECT_EQ(cd_k_for_epoch(11, 40, 9), 3);
  EXPECT_EQ(cd_k_for_epoch(21, 40, 9), 5);
  EXPECT_EQ(cd_k_for_epoch(40, 40, 9), 9);
  EXPECT_EQ(cd_k_for_epoch(40, 40, 4), 4);
  EXPECT_EQ(cd_k_for_epoch(1, 1, 9), 1);
}

TEST(RatingLevels, ExpandAndExpectation) {
  HostCsr m;
  m.rows = 1, m.cols = 2, m.row_ptr = {0, 1}, m.col_idx = {1}, m.val = {3.0f};
  const RatingScale three{1.0f, 1.0f, 3};
  const HostCsr e = expand_rating_levels(m, three, true);
  EXPECT_EQ(e.cols, 6);
  EXPECT_NO_THROW(e.validate("expanded"));
  EXPECT_EQ(e.col_idx, (std::vector<int32_t>{3, 4, 5}));
  EXPECT_EQ(e.val, (std::vector<float>{0.0f, 0.0f, 1.0f}));
  m.val = {2.5f};
  expect_error([&] { expand_rating_levels(m, three, true); }, {"rating 2.5", "row 0, column 1", "1..3 in steps of 1"});
  const std::vector<float> p = expected_ratings({0.0f, 0.0f, std::log(2.0f)}, three);  // probabilities 1/4, 1/4, 1/2
  EXPECT_NEAR(p[0], 0.25f * 1 + 0.25f * 2 + 0.5f * 3, 1e-6f);
  // Half stars: 2.5 is level 4 of 0.5..5, and the expectation weighs the scale's values.
  const RatingScale halves{0.5f, 0.5f, 10};
  const HostCsr h = expand_rating_levels(m, halves, true);
  EXPECT_EQ(h.cols, 20);
  EXPECT_EQ(h.val[4], 1.0f);
  std::vector<float> z(10, -50.0f);
  z[4] = z[5] = 0.0f;
  EXPECT_NEAR(expected_ratings(z, halves)[0], 2.75f, 1e-5f);
}

TEST(RatingLevels, ScaleFromTheData) {
  const RatingScale stars = rating_scale_of({3, 1, 5, 2, 4, 4, 1});
  EXPECT_EQ(stars.lo, 1.0f);
  EXPECT_EQ(stars.step, 1.0f);
  EXPECT_EQ(stars.levels, 5);
  const RatingScale gap = rating_scale_of({1, 2, 5});  // a level no training rating uses is still a level
  EXPECT_EQ(gap.levels, 5);
  const RatingScale halves = rating_scale_of({0.5f, 5.0f, 3.5f, 1.0f, 4.0f});
  EXPECT_EQ(halves.lo, 0.5f);
  EXPECT_EQ(halves.step, 0.5f);
  EXPECT_EQ(halves.levels, 10);
  EXPECT_EQ(halves.describe(), "0.5..5 in steps of 0.5 (10 levels)");
  expect_error([] { rating_scale_of({1.0f, 1.5f, 2.2f}); }, {"rating 2.2", "1..2 in steps of 0.5"});
  std::vector<float> continuous;
  for (int i = 0; i < 300; ++i) continuous.push_back(1.0f + static_cast<float>(i) * 0.0131f + (i % 7) * 1e-4f);
  expect_error([&] { rating_scale_of(continuous); }, {"levels, more than 100", "set levels="});
  expect_error([] { rating_scale_of({4.0f, 4.0f}); }, {"every rating is 4"});
}

// ---- learning planted structure ---------------------------------------------------------------

TEST(Zoo, BiasedMfLearnsPlantedStructure) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(120, 80, rng);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  BuiltModel m = build_model("biased_mf", {{"factors", "8"}, {"l2", "0.05"}}, r.n_users(), r.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 60, cfg.batch_rows = 64, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  const PairInputs in = PairInputs::of(m.net);
  train_pairs(ex, in, part_matrix(r, s, Part::train, RowsAre::users), 0, true, cfg, step, nullptr);
  const RatingMetrics got = evaluate_pair_ratings(ex, in, r, s, Part::test);
  const double baseline = mean_baseline_rmse(r, s);
  std::printf("biased MF RMSE %.3f, global mean %.3f\n", got.rmse, baseline);
  EXPECT_LT(got.rmse, 0.75 * baseline);
}

// The rating baselines: the damped biases on a hand-checked case, and through the pipeline the
// mean's RMSE as computed here, and the biases well below it on ratings made of planted biases.
TEST(Zoo, RatingBaselinesByHand) {
  HostCsr m;  // user 0 rated item 0 as 5 and item 1 as 3; user 1 rated item 0 as 4; mean 4
  m.rows = 2, m.cols = 2, m.row_ptr = {0, 2, 3}, m.col_idx = {0, 1, 0}, m.val = {5, 3, 4};
  const auto b = build_model(find_model("biases", Task::ratings), {{"lambda_user", "1"}, {"lambda_item", "1"}}, 2, 2)
                     .fit_ratings(m);
  // b_i0 = (1 + 0) / 3, b_i1 = -1 / 2; b_u0 = ((1 - 1/3) + (-1 + 1/2)) / 3 = 1/18, b_u1 = (0 - 1/3) / 2
  EXPECT_NEAR(b->predict(0, 0), 4.0 + 1.0 / 18 + 1.0 / 3, 1e-6);
  EXPECT_NEAR(b->predict(1, 1), 4.0 - 1.0 / 6 - 1.0 / 2, 1e-6);
  EXPECT_FLOAT_EQ(build_model(find_model("mean", Task::ratings), {}, 2, 2).fit_ratings(m)->predict(1, 1), 4.0f);
  HostCsr none;
  none.rows = 2, none.cols = 2, none.row_ptr = {0, 0, 0};
  EXPECT_THROW(build_model(find_model("mean", Task::ratings), {}, 2, 2).fit_ratings(none), Error);
}

// Ratings made of 3 + a user's offset + an item's offset + noise, 20 % of pairs rated.
Dataset planted_biases(std::mt19937_64& rng) {
  DatasetArrays a;
  std::normal_distribution<float> n(0.0f, 0.7f);
  std::vector<float> bu(150), bi(90);
  for (auto& v : bu) v = n(rng);
  for (auto& v : bi) v = n(rng);
  std::bernoulli_distribution keep(0.2);
  for (int u = 0; u < 150; ++u) a.user_ids.push_back(u);
  for (int i = 0; i < 90; ++i) a.item_ids.push_back(i);
  for (int u = 0; u < 150; ++u) {
    for (int i = 0; i < 90; ++i)
      if (keep(rng)) a.item.push_back(i), a.rating.push_back(3.0f + bu[u] + bi[i] + 0.5f * n(rng));
    a.row_ptr.push_back(static_cast<int64_t>(a.item.size()));
  }
  return Dataset::from_arrays({}, std::move(a));
}

TEST(Zoo, RatingBaselinesThroughThePipeline) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_biases(rng);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  auto fit = [&](const char* name) {
    return fit_model(build_model(find_model(name, Task::ratings), {}, r.n_users(), r.n_items()),
                     {&r, &s, nullptr, nullptr}, nullptr, {})
        ->rating_metrics(r, s, Part::test);
  };
  const double mean = fit("mean").rmse, biases = fit("biases").rmse;
  std::printf("global mean %.4f, biases %.4f\n", mean, biases);
  EXPECT_NEAR(mean, mean_baseline_rmse(r, s), 1e-5);
  EXPECT_LT(biases, 0.8 * mean);
}

// A residual AutoRec (the default) starts as the damped biases exactly: one step of a vanishing
// size predicts the biases' ratings and recommends by them (the unseen items by item bias);
// residual=0 does not. Both orientations.
TEST(Zoo, ResidualAutoRecStartsAtTheBiases) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_biases(rng);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  auto be = make_cpu_backend();
  const TrainingData data{&r, &s, nullptr, nullptr};
  const auto biases =
      fit_model(build_model(find_model("biases", Task::ratings), {}, r.n_users(), r.n_items()), data, nullptr, {});
  const double want = biases->rating_metrics(r, s, Part::test).rmse;
  const HostCsr train = part_matrix(r, s, Part::train, RowsAre::users);
  const RatingOffsets b = RatingOffsets::fit(train);
  for (const char* variant : {"item", "user"})
    for (const char* residual : {"1", "0"}) {
      SCOPED_TRACE(std::string(variant) + " residual=" + residual);
      FitOptions o;
      o.config.epochs = 1, o.config.batch_rows = 0, o.config.optimizer.kind = OptKind::rprop;
      o.config.optimizer.lr = 1e-12f;
      auto t = fit_model(
          build_model(find_model("autorec", Task::ratings),
                      {{"variant", variant}, {"hidden", "8"}, {"residual", residual}}, r.n_users(), r.n_items()),
          data, be.get(), o);
      const double got = t->rating_metrics(r, s, Part::test).rmse;
      if (residual[0] == '0') {
        EXPECT_GT(got, want + 0.5);  // an untrained plain AutoRec predicts about 0, far from the biases
        continue;
      }
      EXPECT_NEAR(got, want, 1e-4);
      const auto top = t->recommend({7}, 5);
      std::vector<int32_t> unseen;
      for (int32_t i = 0; i < r.n_items(); ++i)
        if (std::find(train.col_idx.begin() + train.row_ptr[7], train.col_idx.begin() + train.row_ptr[8], i) ==
            train.col_idx.begin() + train.row_ptr[8])
          unseen.push_back(i);
      std::stable_sort(unseen.begin(), unseen.end(), [&](int32_t x, int32_t y) { return b.item[x] > b.item[y]; });
      ASSERT_EQ(top[0].size(), 5u);
      for (int j = 0; j < 5; ++j) {
        EXPECT_EQ(top[0][j].item, unseen[j]) << "rank " << j;
        EXPECT_NEAR(top[0][j].score, observed_range(train.val).clip(b.at(7, unseen[j])), 1e-4);
      }
    }
}

// RBM-CF's visible biases start at the log shares of the training ratings' levels (level_prior):
// untrained, it predicts about the global mean, where without the prior it predicts the middle of
// the scale (3 stars) — on ratings mostly of 4 and 5 stars, far from the mean.
TEST(Zoo, RbmLevelPriorStartsAtTheMean) {
  std::mt19937_64 rng(test_seed());
  DatasetArrays a;
  std::discrete_distribution<int> stars({0.05, 0.05, 0.1, 0.4, 0.4});
  std::bernoulli_distribution keep(0.3);
  for (int u = 0; u < 120; ++u) a.user_ids.push_back(u);
  for (int i = 0; i < 80; ++i) a.item_ids.push_back(i);
  for (int u = 0; u < 120; ++u) {
    for (int i = 0; i < 80; ++i)
      if (keep(rng)) a.item.push_back(i), a.rating.push_back(static_cast<float>(1 + stars(rng)));
    a.row_ptr.push_back(static_cast<int64_t>(a.item.size()));
  }
  const Dataset r = Dataset::from_arrays({}, std::move(a));
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  const TrainingData data{&r, &s, nullptr, nullptr};
  const double mean =
      fit_model(build_model(find_model("mean", Task::ratings), {}, r.n_users(), r.n_items()), data, nullptr, {})
          ->rating_metrics(r, s, Part::test)
          .rmse;
  auto be = make_cpu_backend();
  for (const char* prior : {"1", "0"}) {
    SCOPED_TRACE(std::string("level_prior=") + prior);
    FitOptions o;
    o.config.epochs = 1, o.config.batch_rows = 50, o.config.optimizer.kind = OptKind::sgd;
    o.config.optimizer.lr = 1e-12f;
    auto t = fit_model(build_model(find_model("rbm", Task::ratings), {{"hidden", "8"}, {"level_prior", prior}},
                                   r.n_users(), r.n_items()),
                       data, be.get(), o);
    const double got = t->rating_metrics(r, s, Part::test).rmse;
    if (prior[0] == '1')
      EXPECT_NEAR(got, mean, 0.01);
    else
      EXPECT_GT(got, mean + 0.2);  // predicts about 3 where the ratings average about 4
  }
}

constexpr RatingScale kStars{1.0f, 1.0f, 5};

// Trains RBM-CF `m` on the training part as its defaults would (CD-k, SGD with momentum) and
// scores the test part.
RatingMetrics train_rbm(BuiltModel& m, const Dataset& r, const Split& s) {
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 60, cfg.batch_rows = 20, cfg.optimizer.kind = OptKind::sgd, cfg.optimizer.lr = 0.05f;
  cfg.optimizer.momentum = 0.9f;
  std::unique_ptr<TrainStep> step = m.make_step();
  const RatingScale& scale = *m.rating_levels;
  train_rows(ex, m.net.input("ratings"), expand_rating_levels(part_matrix(r, s, Part::train, m.rows), scale, true), cfg,
             *step, nullptr);
  return evaluate_ratings(ex, m.net.input("ratings"), m.net.output(), r, s, Part::test, m.rows, &scale);
}

TEST(Zoo, RbmLearnsPlantedStructure) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(200, 120, rng, true);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  BuiltModel m = build_model("rbm", {{"hidden", "30"}}, r.n_users(), r.n_items());
  ASSERT_EQ(m.rating_levels->levels, kStars.levels);  // told nothing of the data: 1..5 stars
  const RatingMetrics got = train_rbm(m, r, s);
  const double baseline = mean_baseline_rmse(r, s);
  std::printf("RBM RMSE %.3f, global mean %.3f\n", got.rmse, baseline);
  EXPECT_LT(got.rmse, 0.85 * baseline);
}

// On half stars RBM-CF takes its 10 levels from the training ratings (issue 21: the 1..5 default
// refused them) and records them, so that the model builds again without the data.
TEST(Zoo, RbmTakesItsScaleFromTheData) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(200, 120, rng, true, true);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  std::set<float> distinct;
  for (int64_t e : s.events(Part::train)) distinct.insert(r.rating(e));
  BuiltModel m = build_model("rbm", {{"hidden", "30"}}, r.n_users(), r.n_items(),
                             std::vector<float>(distinct.begin(), distinct.end()));
  ASSERT_TRUE(m.rating_levels);
  EXPECT_EQ(m.rating_levels->levels, 10);
  EXPECT_EQ(m.rating_levels->lo, 0.5f);
  EXPECT_EQ(m.derived_options.at("levels"), "10");
  EXPECT_EQ(m.derived_options.at("rating_step"), "0.5");
  EXPECT_EQ(build_model("rbm", m.derived_options, r.n_users(), r.n_items()).rating_levels->levels, 10);
  const RatingMetrics got = train_rbm(m, r, s);
  const double baseline = mean_baseline_rmse(r, s);
  std::printf("RBM on half stars RMSE %.3f, global mean %.3f\n", got.rmse, baseline);
  EXPECT_LT(got.rmse, 0.85 * baseline);
}

// NeuMF started from a GMF and an MLP scores every pair as α·logit_GMF + (1-α)·logit_MLP.
void neumf_blends_logits(const std::map<std::string, std::string>& options) {
  const int64_t users = 7, items = 9;
  BuiltModel gmf = build_model("gmf", options, users, items), mlp = build_model("mlp", options, users, items),
             neumf = build_model("neumf", options, users, items);
  auto be = make_cpu_backend();
  Exec eg(gmf.net, *be, 1), em(mlp.net, *be, 2), en(neumf.net, *be, 3);
  std::mt19937_64 rng(test_seed());
  for (Exec* e : {&eg, &em})  // trained-looking weights, not the small initial ones
    for (const Param* p : e->net().params())
      e->params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng, -0.7f, 0.7f));
  init_neumf_from(en.params(), eg.params(), em.params(), 0.3f);
  std::vector<int32_t> u, i;
  for (int32_t a = 0; a < users; ++a)
    for (int32_t b = 0; b < items; b += 2) u.push_back(a), i.push_back(b);
  const auto sg = score_pairs(eg, PairInputs::of(gmf.net), u, i), sm = score_pairs(em, PairInputs::of(mlp.net), u, i);
  const auto sn = score_pairs(en, PairInputs::of(neumf.net), u, i);
  for (size_t k = 0; k < sn.size(); ++k) EXPECT_NEAR(sn[k], 0.3f * sg[k] + 0.7f * sm[k], 1e-5f) << "pair " << k;
}

// With and without item biases (blended by α too).
TEST(Zoo, NeuMfFromGmfAndMlpBlendsTheirLogits) {
  for (const char* item_bias : {"0", "1"}) {
    SCOPED_TRACE(std::string("item_bias=") + item_bias);
    neumf_blends_logits({{"factors", "4"}, {"item_bias", item_bias}});
  }
}

}  // namespace
}  // namespace sr::test
