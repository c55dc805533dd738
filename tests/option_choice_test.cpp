// An option chosen on the validation part (engine/train/option_choice.h, RBM-CF's variant=auto):
// the value kept is the one whose early-stopped run scored best on the validation part, whatever
// order the candidates come in; refitted, the model is the winner trained on everything for its
// chosen epochs, equal to that run made by hand; a resumed run reads the choice instead of making
// it again, and a damaged choice file is refused. The option itself: `auto` by default, read as
// its fallback by a builder, left out of tune's search space.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/data/split.h"
#include "engine/train/option_choice.h"
#include "kernels/backend.h"
#include "models/registry.h"
#include "tests/error_expect.h"
#include "tests/planted_ratings.h"
#include "tests/test_util.h"
#include "tools/tune/search_space.h"

namespace sr::test {
namespace {

struct Fixture {
  std::mt19937_64 rng{test_seed()};
  Dataset r = planted_ratings(60, 90, rng, true);
  Split s = random_holdout(r.n_events(), 0.1, 42);
  std::unique_ptr<Backend> be = make_cpu_backend();
  FitOptions o;
  Fixture() {
    carve_validation(s, 0.15, 42);
    o.config.epochs = 8, o.config.batch_rows = 10, o.config.optimizer.kind = OptKind::sgd;
    o.config.optimizer.lr = 0.05f, o.config.optimizer.momentum = 0.5f;
    o.early_stop_patience = 2;
  }
  BuiltModel rbm(const std::string& variant) const {
    return build_model("rbm", {{"hidden", "6"}, {"cd_k", "1"}, {"variant", variant}}, r.n_users(), r.n_items(),
                       {1, 2, 3, 4, 5});
  }
  TrainingData data() { return {&r, &s, nullptr}; }
};

TEST(OptionChoice, KeepsTheValueThatScoredBestOnTheValidationPart) {
  Fixture f;
  f.o.early_stop_refit = false;
  std::map<std::string, double> alone;  // each value's best validation RMSE, trained by itself
  for (const char* v : {"item", "user"}) alone[v] = fit_model(f.rbm(v), f.data(), f.be.get(), f.o)->early_stop.best;
  std::printf("validation RMSE: item rows %.4f, user rows %.4f\n", alone["item"], alone["user"]);
  ASSERT_NE(alone["item"], alone["user"]) << "a tie would not tell a wrong choice from a right one";
  const std::string want = alone["item"] < alone["user"] ? "item" : "user";
  auto build = [&](const std::string& v) { return f.rbm(v); };
  for (const auto& order : {std::vector<std::string>{"item", "user"}, std::vector<std::string>{"user", "item"}}) {
    std::vector<std::string> phases;
    f.o.on_phase = [&](const std::string& p) { phases.push_back(p); };
    ChosenFit c = fit_choosing({"variant", order}, build, f.data(), *f.be, f.o);
    EXPECT_EQ(c.value, want) << c.why;
    EXPECT_EQ(c.trained->early_stop.best, alone[want]);  // the winner's run itself, best weights kept
    EXPECT_EQ(c.trained->model.rows, want == "item" ? RowsAre::items : RowsAre::users);
    EXPECT_EQ(c.trained->rating_metrics(f.r, f.s, Part::valid).rmse, alone[want]);
    EXPECT_NE(c.why.find("variant=" + want), std::string::npos) << c.why;
    EXPECT_FALSE(phases.empty());
  }
}

TEST(OptionChoice, RefitTrainsTheWinnerOnEverything) {
  Fixture f;
  auto build = [&](const std::string& v) { return f.rbm(v); };
  ChosenFit c = fit_choosing({"variant", {"item", "user"}}, build, f.data(), *f.be, f.o);
  const EarlyStopReport& es = c.trained->early_stop;
  ASSERT_TRUE(es.refit);
  Split all = f.s;
  merge_validation(all);
  FitOptions by_hand = f.o;
  by_hand.early_stop_patience = 0, by_hand.config.epochs = es.best_epoch;
  auto want = fit_model(f.rbm(c.value), {&f.r, &all, nullptr}, f.be.get(), by_hand);
  EXPECT_EQ(c.trained->rating_metrics(f.r, all, Part::test).rmse, want->rating_metrics(f.r, all, Part::test).rmse);
  EXPECT_EQ(static_cast<int>(c.trained->epochs.size()), es.best_epoch);  // the refit only: the choice ran the rest
}

TEST(OptionChoice, AResumedRunReadsTheChoice) {
  Fixture f;
  const std::string dir = temp_path("option_choice");
  std::filesystem::remove_all(dir);
  f.o.config.checkpoint.dir = dir;
  auto build = [&](const std::string& v) { return f.rbm(v); };
  ChosenFit first = fit_choosing({"variant", {"item", "user"}}, build, f.data(), *f.be, f.o);
  ASSERT_TRUE(std::filesystem::exists(dir + "/choice-variant.json"));
  for (const auto& e : std::filesystem::directory_iterator(dir))  // as if killed right after the choice
    if (e.path().filename() != "choice-variant.json") std::filesystem::remove_all(e.path());

  const std::string other = first.value == "item" ? "user" : "item";
  { std::ofstream(dir + "/choice-variant.json") << "{\"option\": \"variant\", \"value\": \"" << other << "\"}\n"; }
  f.o.config.checkpoint.resume = true;
  std::vector<std::string> phases;
  f.o.on_phase = [&](const std::string& p) { phases.push_back(p); };
  ChosenFit resumed = fit_choosing({"variant", {"item", "user"}}, build, f.data(), *f.be, f.o);
  EXPECT_EQ(resumed.value, other);  // read, not chosen again
  ASSERT_FALSE(phases.empty());
  EXPECT_NE(phases[0].find("resume: variant=" + other), std::string::npos) << phases[0];

  { std::ofstream(dir + "/choice-variant.json") << "{\"value\": \"diagonal\"}\n"; }
  expect_error(
      [&] {
        fit_choosing({"variant", {"item", "user"}}, build, f.data(), *f.be, f.o);
      },
      {"choice-variant.json", "damaged or names no value of variant"});
  std::filesystem::remove_all(dir);
}

TEST(OptionChoice, AutoIsTheDefaultReadAsItsFallbackAndNotTuned) {
  const ModelEntry& rbm = find_model("rbm", Task::ratings);
  const OptionSpec* spec = auto_option(rbm.options, {});
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->name, "variant");
  EXPECT_EQ(spec->auto_fallback, "item");
  EXPECT_EQ(auto_option(rbm.options, {{"variant", "auto"}}), spec);
  EXPECT_EQ(auto_option(rbm.options, {{"variant", "user"}}), nullptr);
  EXPECT_EQ(build_model("rbm", {}, 30, 20).rows, RowsAre::items);  // the fallback where nothing chooses
  EXPECT_EQ(build_model("rbm", {{"variant", "user"}}, 30, 20).rows, RowsAre::users);
  EXPECT_EQ(auto_option(find_model("prod2vec", Task::sessions).options, {}), nullptr);  // a plain choice
  TrainDefaults d;
  bool searched = false;
  for (const tune::Dimension& dim : tune::default_space(rbm, d, {}))
    if (dim.name == "variant") {
      searched = true;
      EXPECT_EQ(dim.choices, (std::vector<std::string>{"item", "user"}));
    }
  EXPECT_TRUE(searched) << "tune searches the orientation";
}

}  // namespace
}  // namespace sr::test
