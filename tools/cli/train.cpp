// sparserec train: read ratings, split (the random holdout, or a split given as --train/--test
// files), build a model by name, train it with a progress line per epoch on stderr, report the
// held-out metrics as JSON, optionally save it.
#include <cstdio>
#include <optional>

#include "kernels/error.h"
#include "tools/cli/commands.h"
#include "tools/cli/training_command.h"

namespace sr::cli {

namespace {

struct TrainArgs {
  DataOptions data;
  SplitFiles files;
  bool holdout_given = false;  // --test-fraction or --split-seed on the command line
  ModelArgs model;
  std::optional<double> validate;  // the share of training held out for validation
};

void run_train(const TrainArgs& a, Communicator& comm) {
  TrainingCommand cmd(a.model, Task::ratings, comm, a.validate.has_value());  // refused before the data
  a.files.check(!a.data.input.paths.empty());
  if (a.files.given() && a.holdout_given)
    throw error("--test-fraction and --split-seed shape the random holdout; --train/--test give the split");
  a.data.check();
  if (a.validate && !(*a.validate > 0.0 && *a.validate < 1.0))
    throw error("--validate must be in (0, 1), got ", *a.validate);
  if (!a.model.save.empty() && a.validate)
    throw error("--save with --validate: a model tuned on a sub-split is not saved");
  Loaded data = a.files.given() ? load_split_files(a.data.input, a.files) : load_and_split(a.data);
  if (a.files.given() && data.data.info().feedback != Feedback::ratings)  // load_and_split refuses clicks itself
    throw error("'", a.files.train, "' holds clicks; rating prediction needs explicit ratings");
  Part heldout = Part::test;
  const char* heldout_name = "test";
  if (a.validate) {  // tune on a validation part of training; the test split stays unseen
    carve_validation(data.split, *a.validate, a.data.seed);
    heldout = Part::valid, heldout_name = "validation";
  } else {  // early stopping scores epochs on 10% of training; test unseen
    constexpr double kEarlyStopShare = 0.1;
    cmd.check_validation_size(static_cast<int64_t>(kEarlyStopShare * data.split.count(Part::train)), "ratings");
    if (cmd.early_stop()) carve_validation(data.split, kEarlyStopShare, a.data.seed);
  }
  TrainedModel* t = cmd.fit({&data.data, &data.split, nullptr}, data.data.n_users(), data.data.n_items(),
                            a.files.given() ? a.files.paths() : a.data.input.paths);
  if (!t) return;
  if (t->early_stop.refit) merge_validation(data.split);  // the refit trained on it: its rows' input now
  const RatingMetrics m = t->rating_metrics(data.data, data.split, heldout);
  std::fprintf(stderr, "%s RMSE %.4f  MAE %.4f  (%lld ratings, %lld by fallback to the mean)\n", heldout_name, m.rmse,
               m.mae, static_cast<long long>(m.n), static_cast<long long>(m.n_fallback));
  if (a.files.given())
    cmd.save(a.data.input, data.data, 0.0, 0, 42, a.files);
  else
    cmd.save(a.data.input, data.data, a.data.test_fraction, a.data.seed);
  nlohmann::json j = cmd.result();
  j[std::string(heldout_name) + "_rmse"] = m.rmse;
  j[std::string(heldout_name) + "_mae"] = m.mae;
  j[std::string("n_") + heldout_name] = m.n;
  print_result(j);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "train a model on ratings and report held-out metrics");
  a->data.add_to(*sub, false);
  a->files.add_to(*sub);
  a->model.add_to(*sub, "a rating model (see `sparserec models`)");
  sub->add_option("--validate", a->validate,
                  "hold out this share of training for validation and report it instead of test");
  sub->callback([a, sub] {
    a->holdout_given = sub->get_option("--test-fraction")->count() + sub->get_option("--split-seed")->count() > 0;
    run_job([&](Communicator& comm) { run_train(*a, comm); });
  });
}

}  // namespace sr::cli
