// sparserec train: read ratings, split, build a model by name, train it with a progress line per
// epoch on stderr, report the held-out metrics as JSON, optionally save it.
#include <algorithm>
#include <cstdio>

#include "engine/error.h"
#include "engine/data/rating_levels.h"
#include "engine/eval/pair_scorer.h"
#include "engine/eval/rating_eval.h"
#include "engine/train/trainer.h"
#include "tools/cli/common.h"

namespace sr::cli {

namespace {

struct TrainArgs {
  DataOptions data;
  TrainFlags flags;
  std::string model, save;
  std::vector<std::string> options;
  double validate = 0.0;
};

void run_train(const TrainArgs& a, Communicator& comm) {
  // Everything that can be refused without the data is checked first, so that a typo costs no
  // data loading and its error is the only line printed.
  const auto model_options = parse_key_values(a.options);
  a.flags.check();
  {
    ModelOptions probe(model_options, 1, 1);
    const BuiltModel m = build_model(a.model, probe);
    if (m.sessions) throw error("model '", a.model, "' predicts the next click in sessions: use `sparserec session`");
    if (m.defaults.negatives != 0)
      throw error("model '", a.model, "' learns top-N from implicit feedback: use `sparserec topn`");
    a.flags.config(m.defaults, &comm);  // refuses a batch the shards cannot split
  }
  Loaded data = load_and_split(a.data);
  Part heldout = Part::test;
  const char* heldout_name = "test";
  if (a.validate > 0.0) {  // tune on a validation part of training; the test split stays unseen
    carve_validation(data.split, a.validate, a.data.seed);
    heldout = Part::valid, heldout_name = "validation";
  }
  ModelOptions opts(model_options, data.data.n_users(), data.data.n_items());
  BuiltModel built = build_model(a.model, opts);
  RankTraining rt(a.flags, built.defaults, comm, run_id("train", a.model, opts.values(), a.data.input.paths));
  const TrainConfig& cfg = rt.config();
  Backend* be = &rt.backend();
  Exec ex(built.net, *be, a.flags.seed);
  HostCsr train_m = part_matrix(data.data, data.split, Part::train, built.rows);
  if (built.rating_levels > 0) train_m = expand_rating_levels(train_m, built.rating_levels, true);
  std::fprintf(stderr, "model: %s; %s; optimizer %s lr %g, %d epochs, batch %s\n", built.net.summary().c_str(),
               built.rows == RowsAre::items ? "rows are items" : "rows are users", optimizer_name(cfg.optimizer.kind),
               cfg.optimizer.lr, cfg.epochs, cfg.batch_rows > 0 ? std::to_string(cfg.batch_rows).c_str() : "full");

  std::vector<double> epoch_seconds;
  std::unique_ptr<TrainStep> step = built.make_step ? built.make_step() : std::make_unique<BackpropStep>();
  auto report = rt.reporter([&](const EpochReport& r) { epoch_seconds.push_back(r.seconds); });
  if (built.pairs)
    train_pairs(ex, PairInputs::of(built.net), train_m, 0, true, cfg, *step, report);
  else
    train_rows(ex, built.net.input("ratings"), train_m, cfg, *step, report);
  if (rt.profiled("train", a.model, opts.values(), built.net)) return;
  if (comm.rank() != 0) return;  // the leader evaluates and writes
  double total = 0.0;
  for (double s : epoch_seconds) total += s;
  std::vector<double> sorted = epoch_seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.empty() ? 0.0 : sorted[sorted.size() / 2];

  const RatingMetrics m =
      built.pairs ? evaluate_pair_ratings(ex, PairInputs::of(built.net), data.data, data.split, heldout)
                  : evaluate_ratings(ex, built.net.input("ratings"), built.net.output(), data.data, data.split, heldout, built.rows,
                                     built.rating_levels);
  std::fprintf(stderr, "%s RMSE %.4f  MAE %.4f  (%lld ratings, %lld by fallback to the mean)\n", heldout_name, m.rmse,
               m.mae, static_cast<long long>(m.n), static_cast<long long>(m.n_fallback));
  if (!a.save.empty()) {
    if (a.validate > 0.0) throw error("--save with --validate: a model tuned on a sub-split is not saved");
    ModelMeta meta{a.model, opts.values(), a.data.input.paths[0], data.data.n_users(), data.data.n_items(),
                   data.data.n_events(), a.data.test_fraction, a.data.seed};
    save_model(a.save, meta, built.net);
    std::fprintf(stderr, "saved %s\n", a.save.c_str());
  }
  nlohmann::json j;
  j["command"] = "train";
  j["model"] = a.model;
  j["options"] = opts.values();
  j["device"] = be->describe();
  j["optimizer"] = optimizer_name(cfg.optimizer.kind);
  j["lr"] = cfg.optimizer.lr;
  j["epochs"] = cfg.epochs;
  j["train_seconds"] = total;
  j["epoch_seconds_median"] = median;
  j[std::string(heldout_name) + "_rmse"] = m.rmse;
  j[std::string(heldout_name) + "_mae"] = m.mae;
  j[std::string("n_") + heldout_name] = m.n;
  print_result(j);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "train a model on ratings and report held-out metrics");
  a->data.add_to(*sub, true);
  sub->add_option("--model", a->model, "model name (see `sparserec models`)")->required();
  sub->add_option("options", a->options, "model options as key=value");
  a->flags.add_to(*sub);
  sub->add_option("--validate", a->validate, "hold out this share of training for validation and report it instead of test");
  sub->add_option("--save", a->save, "write the trained model to this file");
  sub->callback([a] { run_job([&](Communicator& comm) { run_train(*a, comm); }); });
}

}  // namespace sr::cli
