// A new model written in sparserec's DSL by a project that only has the installed package: a
// rating autoencoder whose code is the sum of two layers over the user's ratings (a tanh layer
// and a linear one: the linear part keeps what the tanh saturates), trained on synthetic ratings
// with the engine's trainer and scored against the global mean on a random holdout.
// Usage: custom_model [cpu|emu|cuda]
#include <cmath>
#include <cstdio>
#include <exception>

#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "engine/eval/rating_eval.h"
#include "engine/net/exec.h"
#include "engine/net/net.h"
#include "engine/train/trainer.h"
#include "kernels/backend.h"

int main(int argc, char** argv) try {
  using namespace sr;
  SynthOptions so;
  so.users = 400, so.items = 300, so.events = 20000, so.seed = 11;
  const Dataset data = synthesize(so);
  const Split split = random_holdout(data.n_events(), 0.1, 42);

  // The model: ratings in, ratings out at the rated items only (the sparse output of DSSTNE).
  Net net("two_path_autoencoder");
  Var x = net.sparse_input("ratings", data.n_items());
  Var h = net.sum({net.dense(x, 32, Act::tanh, "curved"), net.dense(x, 32, Act::identity, "straight")}, "code");
  Var y = net.sparse_output(h, data.n_items(), Act::identity, x, "out");
  net.minimize(masked_mse(y, x), l2(1.0f));

  auto be = make_backend(argc > 1 ? argv[1] : "cpu");
  Exec ex(net, *be, 1);
  TrainConfig cfg;
  cfg.epochs = 30, cfg.batch_rows = 64, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.003f;
  BackpropStep step;
  train_rows(ex, net.input("ratings"), part_matrix(data, split, Part::train, RowsAre::users), cfg, step,
             [](const EpochReport& r) {
               if (r.epoch % 10 == 0) std::fprintf(stderr, "epoch %d: loss %.1f\n", r.epoch, r.loss);
             });
  const RatingMetrics m =
      evaluate_ratings(ex, net.input("ratings"), net.output(), data, split, Part::test, RowsAre::users);
  const double mean = mean_rating(data, split, Part::train);
  double se = 0.0;
  const HostCsr test = part_matrix(data, split, Part::test, RowsAre::users);
  for (float r : test.val) se += (r - mean) * (r - mean);
  const double mean_rmse = std::sqrt(se / static_cast<double>(test.nnz()));
  std::printf("{\"model\": \"%s\", \"parameters\": %lld, \"test_rmse\": %.4f, \"global_mean_rmse\": %.4f}\n",
              net.summary().c_str(), static_cast<long long>(net.parameter_count()), m.rmse, mean_rmse);
  return m.rmse < mean_rmse ? 0 : 1;  // a model that learned nothing fails the example
} catch (const std::exception& e) {
  std::fprintf(stderr, "custom_model: error: %s\n", e.what());
  return 1;
}
