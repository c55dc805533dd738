// Early stopping (engine/train/early_stopping.h) through the training pipeline: the run stops
// `patience` epochs after its best validation score (or at --epochs), and the model it returns has
// the best epoch's weights — scored again after training, the validation metric equals the best
// of the curve, not the last epoch's — or, refitted, is the net trained on everything for the
// best epoch's number of epochs. Scoring between epochs leaves training alone: with a patience
// it never reaches, every epoch's loss is the same as without early stopping, for a rating, a
// top-N and a session model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "engine/data/sessions.h"
#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "engine/eval/repeat_mix.h"
#include "engine/train/pipeline.h"
#include "kernels/backend.h"
#include "models/registry.h"
#include "tests/error_expect.h"
#include "tests/planted_ratings.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// The shape every early-stopped run must have, given its curve.
void expect_consistent(const EarlyStopReport& es, int patience, int max_epochs, bool lower_is_better) {
  ASSERT_GT(es.best_epoch, 0);
  ASSERT_EQ(static_cast<int>(es.curve.size()), es.epochs_run);
  const auto best = lower_is_better ? std::min_element(es.curve.begin(), es.curve.end())
                                    : std::max_element(es.curve.begin(), es.curve.end());
  EXPECT_EQ(es.best, *best);
  EXPECT_EQ(es.best_epoch, 1 + (best - es.curve.begin()));  // the first epoch that reached it
  EXPECT_TRUE(es.epochs_run == max_epochs || es.epochs_run == es.best_epoch + patience)
      << "ran " << es.epochs_run << " epochs, best at " << es.best_epoch << ", patience " << patience;
}

TEST(EarlyStopping, RatingModelKeepsTheBestEpoch) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(120, 80, rng);
  Split s = random_holdout(r.n_events(), 0.1, 42);
  carve_validation(s, 0.1, 42);
  // A large, weakly regularized I-AutoRec with a high learning rate overfits: the validation RMSE
  // turns up, and the run must stop and go back.
  BuiltModel m = build_model("autorec", {{"hidden", "200"}, {"l2", "0"}}, r.n_users(), r.n_items());
  auto be = make_cpu_backend();
  FitOptions o;
  o.config.epochs = 200, o.config.batch_rows = 16, o.config.optimizer.kind = OptKind::adam;
  o.config.optimizer.lr = 0.03f;
  o.early_stop_patience = 4;
  o.early_stop_refit = false;  // the best epoch's weights kept
  auto t = fit_model(std::move(m), {&r, &s, nullptr}, be.get(), o);
  const EarlyStopReport& es = t->early_stop;
  std::printf("best validation RMSE %.4f at epoch %d of %d run; last %.4f\n", es.best, es.best_epoch, es.epochs_run,
              es.curve.back());
  expect_consistent(es, 4, 200, true);
  EXPECT_LT(es.epochs_run, 200) << "the overfitting run did not stop";
  EXPECT_GT(es.curve.back(), es.best);
  EXPECT_NEAR(t->rating_metrics(r, s, Part::valid).rmse, es.best, 1e-9);  // the best weights are back
  EXPECT_EQ(static_cast<int>(t->epochs.size()), es.epochs_run);
}

TEST(EarlyStopping, TopNModelScoresTheValidationTargets) {
  SynthOptions so;
  so.users = 150, so.items = 60, so.events = 3000, so.seed = 3;
  const Dataset d = synthesize(so);
  const Split s = leave_one_out(d, true);
  BuiltModel m = build_model("multdae", {{"hidden", "16"}}, d.n_users(), d.n_items());
  auto be = make_cpu_backend();
  FitOptions o;
  o.config.epochs = 30, o.config.batch_rows = 32, o.config.optimizer.kind = OptKind::adam;
  o.config.optimizer.lr = 0.01f;
  o.early_stop_patience = 3;
  o.early_stop_refit = false;
  auto t = fit_model(std::move(m), {&d, &s, nullptr}, be.get(), o);
  const EarlyStopReport& es = t->early_stop;
  EXPECT_EQ(es.metric, "validation NDCG@20");
  expect_consistent(es, 3, 30, false);
  const HostCsr targets = part_matrix(d, s, Part::valid, RowsAre::users);
  EXPECT_NEAR(evaluate_topn(t->topn_scorer(), targets, t->by_user, {}, 0).ndcg20, es.best, 1e-9);
}

// The epoch losses of `model` trained for 4 epochs on `data`, with early stopping at `patience`
// (0: off), and the run's report.
std::vector<double> epoch_losses(const char* model, const std::map<std::string, std::string>& options,
                                 const TrainingData& data, int64_t n_users, int64_t n_items, int patience,
                                 EarlyStopReport* report = nullptr) {
  BuiltModel m = build_model(model, options, n_users, n_items);
  auto be = make_cpu_backend();
  FitOptions o;
  o.config.epochs = 4, o.config.batch_rows = 8, o.config.optimizer.kind = OptKind::adam;
  o.config.optimizer.lr = 0.01f;
  o.early_stop_patience = patience;
  o.early_stop_refit = false;
  auto t = fit_model(std::move(m), data, be.get(), o);
  std::vector<double> losses;
  for (const EpochReport& r : t->epochs) losses.push_back(r.loss);
  if (report) *report = t->early_stop;
  return losses;
}

TEST(EarlyStopping, ScoringBetweenEpochsLeavesTrainingAlone) {
  SynthOptions so;
  so.users = 80, so.items = 40, so.events = 1200, so.seed = 5;
  const Dataset d = synthesize(so);
  Split holdout = random_holdout(d.n_events(), 0.1, 1);
  carve_validation(holdout, 0.1, 1);
  const Split loo = leave_one_out(d, true);
  so.clicks = true, so.users = 150, so.events = 900;
  const Dataset clicks = synthesize(so);
  const Sessions all = sessions_of(clicks);
  const Sessions train = session_range(all, 0, all.size() - 15),
                 valid = session_range(all, all.size() - 15, all.size());
  struct Case {
    const char* model;
    std::map<std::string, std::string> options;
    TrainingData data;
    int64_t users, items;
  };
  const Case cases[] = {
      {"autorec", {{"hidden", "8"}}, {&d, &holdout}, d.n_users(), d.n_items()},
      {"multvae", {{"hidden", "8"}, {"latent", "4"}}, {&d, &loo}, d.n_users(), d.n_items()},
      {"gru4rec", {{"hidden", "8"}}, {nullptr, nullptr, &train, &valid}, 0, all.n_items},
  };
  for (const Case& c : cases) {
    EarlyStopReport es;
    const std::vector<double> plain = epoch_losses(c.model, c.options, c.data, c.users, c.items, 0);
    const std::vector<double> scored = epoch_losses(c.model, c.options, c.data, c.users, c.items, 100, &es);
    EXPECT_EQ(plain, scored) << c.model;
    EXPECT_EQ(es.epochs_run, 4) << c.model;
    EXPECT_EQ(es.curve.size(), 4u) << c.model;
  }
}

// With a refit (the default) the model returned is a fresh net trained on train + valid for the
// best epoch's number of epochs: the same, weight for weight, as that run made by hand; and for a
// session model the same from the training and validation sessions together.
TEST(EarlyStopping, RefitTrainsOnEverythingForTheBestEpochs) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(120, 80, rng);
  Split s = random_holdout(r.n_events(), 0.1, 42);
  carve_validation(s, 0.1, 42);
  const std::map<std::string, std::string> options = {{"hidden", "64"}, {"l2", "0"}};
  auto be = make_cpu_backend();
  FitOptions o;
  o.config.epochs = 60, o.config.batch_rows = 16, o.config.optimizer.kind = OptKind::adam;
  o.config.optimizer.lr = 0.03f;
  o.early_stop_patience = 3;
  std::vector<std::string> phases;
  o.on_phase = [&](const std::string& p) { phases.push_back(p); };
  auto t = fit_model(build_model("autorec", options, r.n_users(), r.n_items()), {&r, &s, nullptr}, be.get(), o);
  const EarlyStopReport es = t->early_stop;
  EXPECT_TRUE(es.refit);
  expect_consistent(es, 3, 60, true);
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_NE(phases[1].find("for " + std::to_string(es.best_epoch) + " epochs"), std::string::npos) << phases[1];
  EXPECT_EQ(static_cast<int>(t->epochs.size()), es.epochs_run + es.best_epoch);  // both runs' epochs
  Split all = s;
  merge_validation(all);
  FitOptions by_hand = o;
  by_hand.early_stop_patience = 0, by_hand.config.epochs = es.best_epoch;
  auto want =
      fit_model(build_model("autorec", options, r.n_users(), r.n_items()), {&r, &all, nullptr}, be.get(), by_hand);
  EXPECT_EQ(t->rating_metrics(r, all, Part::test).rmse, want->rating_metrics(r, all, Part::test).rmse);
  EXPECT_EQ(t->by_user.nnz(), s.count(Part::train) + s.count(Part::valid));  // the validation ratings are its own

  SynthOptions so;
  so.users = 150, so.items = 40, so.events = 900, so.seed = 5, so.clicks = true;
  const Dataset clicks = synthesize(so);
  const Sessions whole = sessions_of(clicks);
  const Sessions train = session_range(whole, 0, whole.size() - 15),
                 valid = session_range(whole, whole.size() - 15, whole.size());
  FitOptions g = o;
  g.config.epochs = 6, g.config.batch_rows = 8, g.early_stop_patience = 2, g.on_phase = nullptr;
  // repeat=0: the refit and the run by hand score with the net alone (a chosen repeat weight needs
  // the validation sessions, which the run by hand does not have).
  const std::map<std::string, std::string> gru = {{"hidden", "8"}, {"repeat", "0"}};
  auto gt =
      fit_model(build_model("gru4rec", gru, 0, whole.n_items), {nullptr, nullptr, &train, &valid, &whole}, be.get(), g);
  ASSERT_TRUE(gt->early_stop.refit);
  FitOptions gh = g;
  gh.early_stop_patience = 0, gh.config.epochs = gt->early_stop.best_epoch;
  auto gw = fit_model(build_model("gru4rec", gru, 0, whole.n_items), {nullptr, nullptr, &whole}, be.get(), gh);
  EXPECT_EQ(evaluate_sessions(gt->session_scorer(), valid, 16, 20).mrr,
            evaluate_sessions(gw->session_scorer(), valid, 16, 20).mrr);
}

// A session net's repeat weight is chosen with the best epoch's net, not the last one's: kept
// weights, the choice recorded equals the one the returned net makes again on the validation
// sessions, and the model scores with it; a weight given is not chosen again.
TEST(EarlyStopping, TheRepeatWeightIsTheBestEpochs) {
  SynthOptions so;
  so.users = 200, so.items = 30, so.events = 2400, so.seed = 7, so.clicks = true;
  const Sessions synth = sessions_of(synthesize(so));
  Sessions whole;  // every other click goes back to the one before: a log with repeats
  whole.n_items = synth.n_items;
  for (int64_t s = 0; s < synth.size(); ++s) {
    std::vector<int32_t> clicks;
    for (size_t p = 0; p < synth[s].size(); ++p) {
      clicks.push_back(synth[s][p]);
      if (p % 2 == 1) clicks.push_back(synth[s][p - 1]);
    }
    whole.add(clicks);
  }
  const Sessions train = session_range(whole, 0, whole.size() - 30),
                 valid = session_range(whole, whole.size() - 30, whole.size());
  auto be = make_cpu_backend();
  FitOptions o;
  o.config.epochs = 12, o.config.batch_rows = 8, o.config.optimizer.kind = OptKind::adam;
  o.config.optimizer.lr = 0.05f;
  o.early_stop_patience = 2, o.early_stop_refit = false;
  std::vector<std::string> phases;
  o.on_phase = [&](const std::string& p) { phases.push_back(p); };
  auto t = fit_model(build_model("gru4rec", {{"hidden", "8"}}, 0, whole.n_items), {nullptr, nullptr, &train, &valid},
                     be.get(), o);
  const EarlyStopReport& es = t->early_stop;
  expect_consistent(es, 2, 12, false);
  std::printf("best validation MRR@20 %.4f at epoch %d of %d; %s\n", es.best, es.best_epoch, es.epochs_run,
              es.chosen_why.c_str());
  ASSERT_EQ(es.chosen_options.count("repeat"), 1u);
  ASSERT_FALSE(phases.empty());
  EXPECT_EQ(phases.back(), es.chosen_why);
  NetSessionScorer net(*t->exec, whole.n_items);  // the net alone, its best weights back
  const RepeatChoice again = choose_repeat_weight(net, valid, 256);
  EXPECT_EQ(again.mrr.front(), es.best);
  char w[32];
  std::snprintf(w, sizeof w, "%g", static_cast<double>(again.weight));
  EXPECT_EQ(es.chosen_options.at("repeat"), w);
  EXPECT_EQ(t->model.derived_options.at("repeat"), w);
  EXPECT_EQ(evaluate_sessions(t->session_scorer(), valid, 256, 20).mrr,
            *std::max_element(again.mrr.begin(), again.mrr.end()));

  // A refit chooses with the same best epoch's net (the selection run is this run up to there).
  ASSERT_LT(es.best_epoch, es.epochs_run);  // the last epoch is not the best: it could choose otherwise
  FitOptions refit = o;
  refit.early_stop_refit = true;
  auto r = fit_model(build_model("gru4rec", {{"hidden", "8"}}, 0, whole.n_items),
                     {nullptr, nullptr, &train, &valid, &whole}, be.get(), refit);
  EXPECT_EQ(r->early_stop.best_epoch, es.best_epoch);
  EXPECT_EQ(r->early_stop.chosen_options, es.chosen_options);
  EXPECT_EQ(r->model.derived_options.at("repeat"), w);

  auto given = fit_model(build_model("gru4rec", {{"hidden", "8"}, {"repeat", "0.3"}}, 0, whole.n_items),
                         {nullptr, nullptr, &train, &valid}, be.get(), o);
  EXPECT_TRUE(given->early_stop.chosen_options.empty());
  EXPECT_EQ(*given->model.repeat_weight, 0.3f);
}

TEST(EarlyStopping, NeedsAValidationPart) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(20, 10, rng);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  BuiltModel m = build_model("autorec", {{"hidden", "4"}}, r.n_users(), r.n_items());
  auto be = make_cpu_backend();
  FitOptions o;
  o.early_stop_patience = 2;
  expect_error([&] { fit_model(std::move(m), {&r, &s, nullptr}, be.get(), o); }, {"no validation part"});
}

}  // namespace
}  // namespace sr::test
