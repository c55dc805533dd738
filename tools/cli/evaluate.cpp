// sparserec evaluate: held-out metrics of a saved model on the split it was trained with.
#include <cstdio>

#include "engine/eval/pair_scorer.h"
#include "engine/eval/rating_eval.h"
#include "tools/cli/common.h"

namespace sr::cli {

namespace {
void run_evaluate(const SavedModelArgs& a) {
  ModelSession s = open_saved_model(a);
  const LoadedModel& m = s.model;
  const Loaded& data = s.data;
  const RatingMetrics r =
      m.built->pairs ? evaluate_pair_ratings(*m.exec, PairInputs::of(m.built->net), data.data, data.split, Part::test)
                     : evaluate_ratings(*m.exec, m.built->net.input("ratings"), m.built->net.output(), data.data,
                                        data.split, Part::test, m.built->rows, m.built->rating_levels);
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
  auto a = std::make_shared<SavedModelArgs>();
  CLI::App* sub = app.add_subcommand("evaluate", "held-out metrics of a saved model");
  a->add_to(*sub);
  sub->callback([a] { run_evaluate(*a); });
}

}  // namespace sr::cli
