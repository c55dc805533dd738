// A training step needs no host sync: the backend's counters over the steady-state steps of the
// real training loops (batches streamed, the loss read a few steps later) show none, on the CPU and
// on the CUDA kernels under the emulator, for GRU4Rec (session-parallel lanes, resets, sampled
// and full-softmax outputs), NeuMF ((user, item) pairs) and Mult-VAE (a KL term beside the loss).
// The ops and kernel launches a step takes are printed (they vary with the batch: lanes that start
// a session add a reset).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "engine/train/pipeline.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

struct StepCase {
  const char* name;
  const char* model;
  std::map<std::string, std::string> options;
};
const StepCase kStepCases[] = {
    {"gru4rec_xent", "gru4rec", {{"hidden", "8"}}},
    {"gru4rec_bpr_max", "gru4rec", {{"hidden", "8"}, {"loss", "bpr-max"}, {"n_sample", "16"}}},
    {"neumf", "neumf", {{"factors", "4"}}},
    {"multvae", "multvae", {{"hidden", "16"}, {"latent", "4"}}},
};

std::string step_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kStepCases[std::get<1>(info.param)].name;
}

using StepCounters = BackendParity<StepCase, kStepCases>;

TEST_P(StepCounters, NoHostSyncInATrainingStep) {
  const StepCase& c = c_;
  SynthOptions so;  // small: the emulator runs every kernel on the host
  so.users = 100, so.items = 40, so.events = 400, so.seed = 4;
  const bool sessions = std::string(c.model) == "gru4rec";
  so.clicks = sessions;
  const Dataset d = synthesize(so);
  const Split split = random_holdout(d.n_events(), 0.1, 1);
  const Sessions train = sessions ? sessions_of(d) : Sessions{};
  BuiltModel m = build_model(c.model, c.options, d.n_users(), d.n_items());
  FitOptions o;
  o.config.epochs = 1;
  o.config.batch_rows = std::string(c.model) == "neumf" ? 32 : 8;  // NeuMF: positives, each with 4 negatives
  o.config.optimizer.kind = OptKind::adam;
  o.config.optimizer.lr = 0.01f;
  Backend& be = *be_;
  // Steady state: steps 4 to 12 (allocations and the first loss reads are behind), each from the
  // end of the step before it to its own end, loop overhead included.
  std::vector<Backend::Counters> per_step;
  o.config.on_step = [&](int, int64_t done) {
    if (done >= 3 && done <= 12) per_step.push_back(be.counters());
    be.reset_counters();
  };
  TrainingData data;
  if (sessions)
    data.sessions = &train;
  else
    data.dataset = &d, data.split = &split;
  const auto trained = fit_model(std::move(m), data, &be, o);
  ASSERT_GE(per_step.size(), 4u) << "too few steps to measure";
  per_step.erase(per_step.begin());  // the window opened at step 3's end
  int64_t ops = 0, launches = 0, max_launches = 0, bytes_up = 0, bytes_down = 0;
  for (size_t s = 0; s < per_step.size(); ++s) {
    EXPECT_EQ(per_step[s].host_syncs, 0) << "step " << s + 4 << " waited for the device";
    ops += per_step[s].ops, launches += per_step[s].launches,
        max_launches = std::max(max_launches, per_step[s].launches);
    bytes_up += per_step[s].bytes_up, bytes_down += per_step[s].bytes_down;
  }
  const auto n = static_cast<int64_t>(per_step.size());
  std::printf(
      "[ counters ] %s on %s over %lld steps: %lld ops, %lld kernel launches (at most %lld), %lld bytes up, "
      "%lld down a step; 0 host syncs\n",
      c.name, be.describe().c_str(), static_cast<long long>(n), static_cast<long long>(ops / n),
      static_cast<long long>(launches / n), static_cast<long long>(max_launches), static_cast<long long>(bytes_up / n),
      static_cast<long long>(bytes_down / n));
}

SR_INSTANTIATE_ON_ALL_BACKENDS(StepCounters, kStepCases, step_name);

}  // namespace
}  // namespace sr::test
