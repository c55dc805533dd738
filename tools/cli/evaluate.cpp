// sparserec evaluate: held-out metrics of a saved model on the split it was trained with.
#include <cstdio>

#include "engine/eval/rating_eval.h"
#include "tools/cli/common.h"

namespace sr::cli {

namespace {
struct EvaluateArgs {
  std::string model_file, data, device = "auto";
};

void run_evaluate(const EvaluateArgs& a) {
  const ModelMeta meta = read_model_meta(a.model_file);
  const Device device = Device::parse(a.device);
  auto be = open_device(device);
  LoadedModel m = load_model(meta, a.model_file, *be);
  DataOptions d{a.data.empty() ? m.meta.data_path : a.data, m.meta.test_fraction, m.meta.split_seed};
  Loaded data = load_and_split(d);
  check_same_data(m.meta, data.ratings, d.path);
  const RatingMetrics r = evaluate_ratings(*m.exec, m.built->net.input("ratings"), m.built->net.output(), data.ratings,
                                           data.split.train, data.split.test, m.built->rows);
  std::fprintf(stderr, "test RMSE %.4f  MAE %.4f  (%lld ratings)\n", r.rmse, r.mae, static_cast<long long>(r.n));
  nlohmann::json j;
  j["command"] = "evaluate";
  j["model"] = m.meta.model;
  j["test_rmse"] = r.rmse;
  j["test_mae"] = r.mae;
  j["n_test"] = r.n;
  print_result(j);
}
}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto a = std::make_shared<EvaluateArgs>();
  CLI::App* sub = app.add_subcommand("evaluate", "held-out metrics of a saved model");
  sub->add_option("--model-file", a->model_file, "a file written by `train --save`")->required();
  sub->add_option("--data", a->data, "the ratings (default: the path recorded in the model file)");
  sub->add_option("--device", a->device, "auto, cpu, emu, cuda, cuda:N")->capture_default_str();
  sub->callback([a] { run_evaluate(*a); });
}

}  // namespace sr::cli
