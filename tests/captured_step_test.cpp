// A training step captured as a graph (engine/train/captured_step.h) and replayed gives the same
// losses and weights, bit for bit, as the same steps run directly, on the CPU, on the CUDA kernels
// under the emulator and on a GPU; the replays are one launch each and wait for nothing. A step a
// replay cannot repeat (random draws, Adam's moving bias correction) is refused at capture with an
// error that says why, and the executor trains on directly afterwards.
#include <gtest/gtest.h>

#include "engine/train/captured_step.h"
#include "models/registry.h"
#include "tests/error_expect.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

struct CapturedCase {
  const char* name;
  const char* model;
  std::map<std::string, std::string> options;
  OptKind optimizer;
};
const CapturedCase kCapturedCases[] = {
    {"autorec_rprop", "autorec", {{"hidden", "8"}}, OptKind::rprop},
    {"autorec_users_adagrad", "autorec", {{"hidden", "6"}, {"variant", "user"}, {"residual", "0"}}, OptKind::adagrad},
    {"multdae_sgd_no_dropout", "multdae", {{"hidden", "8"}, {"dropout", "0"}}, OptKind::sgd},
};

std::string captured_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kCapturedCases[std::get<1>(info.param)].name;
}

using CapturedSteps = BackendParity<CapturedCase, kCapturedCases>;

constexpr int64_t kSide = 30;  // users and items: the batch's rows are 12 of them, its columns all

// A model with its executor (seed 7) bound to a batch, and an optimizer: what each case trains.
struct Trainee {
  Trainee(Backend& be, const SparseBatch& batch, const char* model, const std::map<std::string, std::string>& options,
          const OptimizerConfig& oc)
      : m(build_model(model, options, kSide, kSide)), ex(m.net, be, 7), opt(oc, m.net.regularizer().l2) {
    ex.bind(m.net.input("ratings"), &batch);
  }
  BuiltModel m;
  Exec ex;
  Optimizer opt;
};

OptimizerConfig optimizer(OptKind kind) {
  OptimizerConfig oc;
  oc.kind = kind, oc.lr = 0.02f, oc.momentum = kind == OptKind::sgd ? 0.5f : 0.0f;
  return oc;
}

std::vector<std::vector<float>> weights_of(Exec& ex) {
  std::vector<std::vector<float>> w;
  for (const Param* p : ex.net().params()) w.push_back(ex.params().weights(*p).to_host());
  return w;
}

TEST_P(CapturedSteps, ReplaysEqualDirectSteps) {
  Backend& be = *be_;
  const HostCsr rows = random_csr({"batch", 12, kSide, 0.25}, rng_);
  const SparseBatch batch(be, rows);
  Trainee direct_run(be, batch, c_.model, c_.options, optimizer(c_.optimizer));
  Trainee captured_run(be, batch, c_.model, c_.options, optimizer(c_.optimizer));
  Exec &direct = direct_run.ex, &captured = captured_run.ex;
  Optimizer &direct_opt = direct_run.opt, &captured_opt = captured_run.opt;
  BackpropStep step;

  constexpr int kSteps = 4;
  std::vector<double> direct_losses, captured_losses;
  for (int s = 0; s < kSteps; ++s) direct_losses.push_back(*direct.read_loss(step.run(direct, direct_opt), true));
  // A direct step first (its state allocated), then the capture and the replays.
  captured_losses.push_back(*captured.read_loss(step.run(captured, captured_opt), true));
  CapturedStep graph(step, captured, captured_opt);
  EXPECT_EQ(captured_opt.steps(), 1) << "the capture itself ran no step";
  be.reset_counters();
  std::vector<LossTicket> tickets;
  for (int s = 1; s < kSteps; ++s) tickets.push_back(graph.replay());
  const Backend::Counters c = be.counters();
  EXPECT_EQ(c.launches, be.device().kind == DeviceKind::cpu ? 0 : kSteps - 1)
      << "one launch a replay (the graph holds " << graph.launches() << ")";
  EXPECT_EQ(c.host_syncs, 0);
  for (const LossTicket& t : tickets) captured_losses.push_back(*captured.read_loss(t, true));
  std::printf("[ graph ] %s on %s: a step of %lld ops and %lld kernel launches replayed as one graph launch\n", c_.name,
              be.describe().c_str(), static_cast<long long>(graph.ops()), static_cast<long long>(graph.launches()));

  EXPECT_EQ(captured_losses, direct_losses);
  EXPECT_EQ(weights_of(captured), weights_of(direct));
  EXPECT_EQ(captured_opt.steps(), direct_opt.steps());
  EXPECT_EQ(captured.updates(), direct.updates());
  EXPECT_NE(direct_losses.front(), direct_losses.back()) << "the steps trained";
}

TEST_P(CapturedSteps, WhatAReplayCannotRepeatIsRefused) {
  Backend& be = *be_;
  const HostCsr rows = random_csr({"batch", 10, kSide, 0.3}, rng_);
  const SparseBatch batch(be, rows);
  BackpropStep step;
  {  // Mult-DAE's input dropout draws a mask every step.
    Trainee t(be, batch, "multdae", {{"hidden", "8"}}, optimizer(OptKind::sgd));
    Exec& ex = t.ex;
    Optimizer& opt = t.opt;
    ex.read_loss(step.run(ex, opt), true);
    expect_error([&] { CapturedStep g(step, ex, opt); }, {"multdae", "draws random numbers"});
    EXPECT_FALSE(be.capturing());
    EXPECT_TRUE(ex.read_loss(step.run(ex, opt), true).has_value()) << "direct steps go on";
  }
  {  // A step that waits for the device part way: the capture fails, and nothing of it is left behind.
    struct WaitingStep final : TrainStep {
      LossTicket gradients(Exec& ex, int64_t) override {
        const LossTicket loss = ex.forward_async(true);
        ex.backend().synchronize();
        ex.backward();
        return loss;
      }
    } waiting;
    Trainee t(be, batch, c_.model, c_.options, optimizer(OptKind::sgd));
    Exec& ex = t.ex;
    Optimizer& opt = t.opt;
    ex.read_loss(step.run(ex, opt), true);
    expect_error([&] { CapturedStep g(waiting, ex, opt); }, {"a synchronize", "graph is being captured"});
    EXPECT_FALSE(be.capturing());
    EXPECT_EQ(opt.steps(), 1);
    EXPECT_TRUE(ex.read_loss(step.run(ex, opt), true).has_value()) << "direct steps go on";
  }
  {  // Adam's bias correction moves with the step count.
    Trainee t(be, batch, c_.model, c_.options, optimizer(OptKind::adam));
    expect_error([&] { CapturedStep g(step, t.ex, t.opt); }, {"Adam", "bias correction"});
    EXPECT_FALSE(be.capturing());
  }
}

SR_INSTANTIATE_ON_ALL_BACKENDS(CapturedSteps, kCapturedCases, captured_name);

}  // namespace
}  // namespace sr::test
