// What a captured training step (engine/train/captured_step.h) saves over the same step issued
// op by op: median milliseconds a step, direct and replayed, for small graph-safe nets on one fixed
// batch of rows, where a step is a few dozen small kernels and launch overhead dominates on a GPU.
// Each pair of runs first checks that the replays reproduce the direct steps' weights bit for bit.
//   bench_graph [--device cpu|emu|cuda] [--steps N] [--quick]
// On the CPU and the emulator it is a check that the bench runs (their "graphs" replay the same
// work); the figures that count come from a GPU (tools/gpu_suite.sh, stage bench).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/train/captured_step.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace {

using namespace sr;

struct GraphCase {
  const char* name;
  const char* model;
  std::map<std::string, std::string> options;
  int64_t rows, cols;  // the batch: rows x cols at the density below
  double density;
  OptKind optimizer;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<std::vector<float>> weights_of(Exec& ex) {
  std::vector<std::vector<float>> w;
  for (const Param* p : ex.net().params()) w.push_back(ex.params().weights(*p).to_host());
  return w;
}

int run(int argc, char** argv) {
  std::string device = "cpu";
  int steps = 200;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--device" && i + 1 < argc)
      device = argv[++i];
    else if (a == "--steps" && i + 1 < argc)
      steps = std::max(2, std::atoi(argv[++i]));
    else if (a == "--quick")
      quick = true;
    else
      throw error("bench_graph: unknown argument '", a, "' (--device D, --steps N, --quick)");
  }
  if (quick) steps = 4;
  auto be = make_backend(device);
  const std::vector<GraphCase> cases = {
      {"autorec_h32_rprop", "autorec", {{"hidden", "32"}}, quick ? 16 : 64, quick ? 40 : 943, 0.06, OptKind::rprop},
      {"autorec_h500_rprop",
       "autorec",
       {{"hidden", quick ? "16" : "500"}},
       quick ? 16 : 256,
       quick ? 40 : 943,
       0.06,
       OptKind::rprop},
      {"multdae_h200_sgd",
       "multdae",
       {{"hidden", quick ? "8" : "200"}, {"dropout", "0"}},
       quick ? 8 : 32,
       quick ? 40 : 1682,
       0.06,
       OptKind::sgd},
  };
  std::printf("%-20s %-10s %6s %6s %5s %6s %10s %10s %7s\n", "case", "device", "rows", "cols", "ops", "kernels",
              "direct_ms", "graph_ms", "ratio");
  std::mt19937_64 rng(7);
  for (const GraphCase& c : cases) {
    const HostCsr rows = test::random_csr({"batch", c.rows, c.cols, c.density, false, false, false}, rng);
    const SparseBatch batch(*be, rows);
    BuiltModel m1 = build_model(c.model, c.options, c.cols, c.cols),
               m2 = build_model(c.model, c.options, c.cols, c.cols);
    Exec direct(m1.net, *be, 5), captured(m2.net, *be, 5);
    direct.bind(m1.net.input("ratings"), &batch);
    captured.bind(m2.net.input("ratings"), &batch);
    OptimizerConfig oc;
    oc.kind = c.optimizer, oc.lr = 0.01f;
    Optimizer o1(oc, m1.net.regularizer().l2), o2(oc, m2.net.regularizer().l2);
    BackpropStep step;
    std::vector<LossTicket> pending;
    auto drain = [&](Exec& ex) {
      for (const LossTicket& t : pending) ex.read_loss(t, true);
      pending.clear();
    };
    std::vector<double> direct_ms, graph_ms;
    for (int s = 0; s < steps; ++s) {
      const auto t0 = std::chrono::steady_clock::now();
      pending.push_back(step.run(direct, o1));
      be->synchronize();
      direct_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (pending.size() > 8) drain(direct);
    }
    drain(direct);
    pending.push_back(step.run(captured, o2));  // the warm-up step (state allocated), then the capture
    drain(captured);
    CapturedStep graph(step, captured, o2);
    for (int s = 1; s < steps; ++s) {
      const auto t0 = std::chrono::steady_clock::now();
      pending.push_back(graph.replay());
      be->synchronize();
      graph_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (pending.size() > 8) drain(captured);
    }
    drain(captured);
    if (weights_of(direct) != weights_of(captured))
      throw error("bench_graph: ", c.name, ": the replays' weights differ from the direct steps'");
    const double d = median(direct_ms), g = median(graph_ms);
    std::printf("%-20s %-10s %6lld %6lld %5lld %6lld %10.4f %10.4f %7.2f\n", c.name, be->device().str().c_str(),
                static_cast<long long>(c.rows), static_cast<long long>(c.cols), static_cast<long long>(graph.ops()),
                static_cast<long long>(graph.launches()), d, g, d / g);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
