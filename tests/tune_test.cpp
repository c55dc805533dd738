// The parts of `sparserec tune` that decide what runs: the rungs of successive halving, the space
// drawn from a model's declarations, and the search itself with a stand-in for the runs (which
// trials go on, a search cut by a kill and resumed from its log, the time budget).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "kernels/error.h"
#include "models/registry.h"
#include "tools/tune/halving.h"
#include "tools/tune/search_space.h"

namespace sr::tune {
namespace {

TEST(TuneSchedule, RungsOfEtaTimesTheEpochs) {
  Schedule s = make_schedule(27, 27, 3, 4);
  EXPECT_EQ(s.epochs, (std::vector<int>{1, 3, 9, 27}));
  EXPECT_EQ(s.trials, (std::vector<int>{27, 9, 3, 1}));
  s = make_schedule(120, 27, 3);  // three rungs at most by default
  EXPECT_EQ(s.epochs, (std::vector<int>{13, 40, 120}));
  EXPECT_EQ(s.trials, (std::vector<int>{27, 9, 3}));
  s = make_schedule(10, 8, 3);  // no rung below one epoch, none left with no trial
  EXPECT_EQ(s.epochs, (std::vector<int>{3, 10}));
  EXPECT_EQ(s.trials, (std::vector<int>{8, 2}));
  s = make_schedule(0, 5, 3);  // a baseline: fitted once
  EXPECT_EQ(s.epochs, (std::vector<int>{0}));
  EXPECT_EQ(s.trials, (std::vector<int>{5}));
  s = make_schedule(1, 9, 3);
  EXPECT_EQ(s.epochs, (std::vector<int>{1}));
}

TEST(TuneSpace, AroundTheDeclaredDefaults) {
  const ModelEntry& autorec = find_model("autorec", Task::ratings);
  TrainDefaults d;
  d.lr = 0.01f, d.batch_rows = 64;
  const std::vector<Dimension> space = default_space(autorec, d, {"variant"});
  std::map<std::string, Dimension> by_name;
  for (const auto& x : space) by_name[x.name] = x;
  EXPECT_FALSE(by_name.count("variant"));  // fixed on the command line
  ASSERT_TRUE(by_name.count("hidden"));
  EXPECT_EQ(by_name["hidden"].kind, Dimension::Kind::integer);
  EXPECT_EQ(by_name["hidden"].lo, 125);
  EXPECT_EQ(by_name["hidden"].hi, 2000);
  EXPECT_TRUE(by_name["l2"].log);
  EXPECT_NEAR(by_name["lr"].lo, 0.002, 1e-9);
  EXPECT_EQ(by_name["batch"].choices, (std::vector<std::string>{"16", "32", "64", "128", "256"}));
  // A share stays a share: NARM's dropout (declared [0, 1)) within ±0.3 of 0.2 and below 1.
  for (const auto& x : default_space(find_model("narm", Task::sessions), d, {}))
    if (x.name == "dropout") {
      EXPECT_TRUE(x.lo == 0.0 && std::fabs(x.hi - 0.5) < 1e-9) << x.text();
    }
  // A baseline has no learning rate or batch.
  for (const auto& x : default_space(find_model("biases", Task::ratings), d, {}))
    EXPECT_TRUE(x.name != "lr" && x.name != "batch");
}

TEST(TuneSpace, DrawsAreDeterministicAndInRange) {
  const ModelEntry& autorec = find_model("autorec", Task::ratings);
  TrainDefaults d;
  d.lr = 0.01f;
  const std::vector<Dimension> space = default_space(autorec, d, {});
  const auto a = sample_configs(space, 200, 7), b = sample_configs(space, 200, 7), c = sample_configs(space, 200, 8);
  int differ = 0, below_geometric_mid = 0;
  std::set<std::string> variants;
  for (size_t t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a[t].text(), b[t].text());
    differ += a[t].text() != c[t].text();
    const long hidden = std::stol(a[t].options.at("hidden"));
    EXPECT_TRUE(hidden >= 125 && hidden <= 2000) << hidden;
    EXPECT_EQ(a[t].options.at("hidden"), std::to_string(hidden));  // an integer
    ASSERT_TRUE(a[t].lr);
    EXPECT_TRUE(*a[t].lr >= 0.002f && *a[t].lr <= 0.05f) << *a[t].lr;
    below_geometric_mid += std::stod(a[t].options.at("l2")) < std::sqrt(20.0 * 2000.0);
    variants.insert(a[t].options.at("variant"));
  }
  EXPECT_GT(differ, 190);
  EXPECT_TRUE(below_geometric_mid > 70 && below_geometric_mid < 130) << below_geometric_mid << " of 200 (log-uniform)";
  EXPECT_EQ(variants.size(), 2u);
}

// GRU4Rec's n_sample applies to its sampled losses only: a draw of loss=xent leaves it out, so
// that every configuration drawn builds.
TEST(TuneSpace, DrawsLeaveOutWhatDoesNotApply) {
  const ModelEntry& gru = find_model("gru4rec", Task::sessions);
  TrainDefaults d;
  const auto configs = sample_configs(default_space(gru, d, {}), 60, 3, &gru);
  int xent = 0;
  for (const auto& c : configs) {
    if (c.options.at("loss") == "xent") {
      ++xent;
      EXPECT_FALSE(c.options.count("n_sample") || c.options.count("bpreg")) << c.text();
    } else {
      EXPECT_TRUE(c.options.count("n_sample")) << c.text();
    }
    EXPECT_NO_THROW(build_model(gru, c.options, 1, 5)) << c.text();
  }
  EXPECT_GT(xent, 0);
  for (const auto& c : sample_configs(default_space(gru, d, {"loss"}), 20, 3, &gru, {{"loss", "xent"}}))
    EXPECT_FALSE(c.options.count("n_sample")) << c.text();
}

TEST(TuneSpace, RefusesRangesTheModelDoesNotHave) {
  const ModelEntry& autorec = find_model("autorec", Task::ratings);
  auto refused = [&](const std::string& text, const std::string& what) {
    try {
      parse_dimension(text, autorec);
      ADD_FAILURE() << text << " was taken";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refused("hiden=1:5", "has no option 'hiden'");
  refused("l2=5:1", "empty range");
  refused("l2=-1:5", "outside [0, ∞)");
  refused("l2=0:5:log", "log range must start above 0");
  refused("l2=1:x", "not a finite number");
  refused("variant=item|rows", "expected one of auto|item|user");
  refused("variant=0:1", "give its values as a|b");
  refused("l2", "expected name=lo:hi");
  refused("lr=0:1", "outside (0, ∞)");
  refused("hidden=1.2:1.8", "no integer in the range");
  EXPECT_EQ(parse_dimension("hidden=10:20:log", autorec).kind, Dimension::Kind::integer);
  EXPECT_EQ(parse_dimension("variant=user", autorec).choices, std::vector<std::string>{"user"});
  try {
    parse_dimension("lr=0.1:1", find_model("mean", Task::ratings));
    ADD_FAILURE() << "a learning rate for a baseline";
  } catch (const Error&) {}
}

// A stand-in for the runs: trial t at e epochs scores quality[t] · e (higher is better), with a
// count of the calls.
struct FakeRuns {
  std::vector<double> quality;
  std::atomic<int> calls{0};
  int fail_after = -1;  // > 0: the call after this many throws (a kill)
  RunResult operator()(int trial, int rung, int epochs, int) {
    if (fail_after >= 0 && calls >= fail_after) throw Error("killed");
    ++calls;
    RunResult r;
    r.trial = trial, r.rung = rung, r.epochs = epochs, r.ok = quality[trial] > 0, r.score = quality[trial] * epochs;
    if (!r.ok) r.error = "diverged";
    return r;
  }
};

std::string fresh_log(const char* name) {
  const std::string p =
      (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()) + ".jsonl"))
          .string();
  std::filesystem::remove(p);
  return p;
}

TEST(TuneHalving, TheBestGoOnAndFailuresStop) {
  const Schedule s = make_schedule(9, 9, 3);  // 9 x 1, 3 x 3, 1 x 9 epochs
  FakeRuns runs{{0.5, 0.9, -1, 0.2, 0.95, 0.1, 0.3, 0.4, 0.7}};
  const std::string path = fresh_log("tune-best");
  TrialLog log(path);
  HalvingOptions o;
  o.parallel = 3;
  const HalvingResult r = successive_halving(s, log, o, std::ref(runs), nullptr);
  EXPECT_EQ(runs.calls.load(), 9 + 3 + 1);
  EXPECT_TRUE(r.complete);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->trial, 4);
  EXPECT_EQ(r.best->epochs, 9);
  std::set<int> rung1;
  for (const auto& run : log.runs())
    if (run.rung == 1) rung1.insert(run.trial);
  EXPECT_EQ(rung1, (std::set<int>{1, 4, 8}));
  // Lower is better (an RMSE): the worst by the other reading go on.
  FakeRuns low{{0.5, 0.9, 0.6, 0.2, 0.95, 0.1, 0.3, 0.4, 0.7}};
  TrialLog log2(fresh_log("tune-low"));
  o.lower_is_better = true;
  EXPECT_EQ(successive_halving(s, log2, o, std::ref(low), nullptr).best->trial, 5);
  // Every trial failing: nothing promoted, no best.
  FakeRuns none{std::vector<double>(9, -1.0)};
  TrialLog log3(fresh_log("tune-none"));
  const HalvingResult n = successive_halving(s, log3, o, std::ref(none), nullptr);
  EXPECT_EQ(none.calls.load(), 9);
  EXPECT_FALSE(n.best);
  std::filesystem::remove(path);
}

TEST(TuneHalving, AFailedLastRungDoesNotHideTheRungsBelow) {
  const Schedule s = make_schedule(9, 9, 3);
  FakeRuns runs{{0.5, 0.9, 0.6, 0.2, 0.95, 0.1, 0.3, 0.4, 0.7}};
  auto last_fails = [&](int trial, int rung, int epochs, int slot) {
    RunResult r = runs(trial, rung, epochs, slot);
    if (rung == 2) r.ok = false, r.error = "diverged";
    return r;
  };
  TrialLog log(fresh_log("tune-last-fails"));
  const HalvingResult r = successive_halving(s, log, {}, last_fails, nullptr);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->rung, 1);
  EXPECT_EQ(r.best->trial, 4);
}

// A run ended by a signal is not the trial's result: not logged, the search stops at its rung, and
// a resumed search runs it again.
TEST(TuneHalving, AnInterruptedRunIsRunAgain) {
  const Schedule s = make_schedule(9, 9, 3);
  const std::string path = fresh_log("tune-interrupted");
  FakeRuns runs{{0.5, 0.9, 0.6, 0.2, 0.95, 0.1, 0.3, 0.4, 0.7}};
  auto oom = [&](int trial, int rung, int epochs, int slot) {
    RunResult r = runs(trial, rung, epochs, slot);
    if (trial == 4 && rung == 1) r.interrupted = true;
    return r;
  };
  {
    TrialLog log(path);
    const HalvingResult r = successive_halving(s, log, {}, oom, nullptr);
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(r.runs_interrupted, 1);
    EXPECT_EQ(r.runs_done, 9 + 2);
    EXPECT_FALSE(log.find(4, 1));
  }
  TrialLog log(path);
  const HalvingResult r = successive_halving(s, log, {}, std::ref(runs), nullptr);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.runs_done, 2);  // trial 4's rung 1 again, then the last rung
  EXPECT_EQ(r.best->trial, 4);
  std::filesystem::remove(path);
}

TEST(TuneHalving, AKilledSearchResumesFromItsLog) {
  const Schedule s = make_schedule(9, 9, 3);
  const std::vector<double> q = {0.5, 0.9, 0.6, 0.2, 0.95, 0.1, 0.3, 0.4, 0.7};
  FakeRuns whole{q};
  TrialLog whole_log(fresh_log("tune-whole"));
  HalvingOptions o;
  const HalvingResult want = successive_halving(s, whole_log, o, std::ref(whole), nullptr);
  for (int cut : {0, 5, 9, 11, 12}) {
    const std::string path = fresh_log("tune-cut");
    FakeRuns first{q};
    first.fail_after = cut;
    {
      TrialLog log(path);
      EXPECT_THROW(successive_halving(s, log, o, std::ref(first), nullptr), Error);
    }
    std::FILE* f = std::fopen(path.c_str(), "a");  // a line torn by the kill
    std::fputs("{\"trial\": 3, \"ru", f);
    std::fclose(f);
    FakeRuns second{q};
    TrialLog log(path);  // read back from the file
    EXPECT_EQ(static_cast<int>(log.runs().size()), cut);
    const HalvingResult got = successive_halving(s, log, o, std::ref(second), nullptr);
    EXPECT_EQ(first.calls.load() + second.calls.load(), whole.calls.load()) << "cut after " << cut;
    ASSERT_TRUE(got.best);
    EXPECT_EQ(got.best->trial, want.best->trial);
    EXPECT_EQ(got.best->score, want.best->score);
    TrialLog reread(path);  // the torn line cut off: every run readable, none twice
    EXPECT_EQ(reread.runs().size(), whole_log.runs().size()) << "cut after " << cut;
    std::filesystem::remove(path);
  }
}

TEST(TuneHalving, NoRunStartsAfterTheTimeBudget) {
  const Schedule s = make_schedule(9, 9, 3);
  FakeRuns inner{{0.5, 0.9, 0.6, 0.2, 0.95, 0.1, 0.3, 0.4, 0.7}};
  auto slow = [&](int trial, int rung, int epochs, int slot) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    return inner(trial, rung, epochs, slot);
  };
  TrialLog log(fresh_log("tune-budget"));
  HalvingOptions o;
  o.time_budget = 0.1;
  const HalvingResult r = successive_halving(s, log, o, slow, nullptr);
  EXPECT_FALSE(r.complete);
  EXPECT_GE(r.runs_done, 1);
  EXPECT_GE(r.runs_skipped, 1);
  EXPECT_EQ(r.runs_done + r.runs_skipped, 9);  // the first rung, cut: nobody promoted
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->rung, 0);
}

}  // namespace
}  // namespace sr::tune
