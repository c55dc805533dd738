// sparserec ctr: the click-through protocol of the rankers (DeepFM, DCN-v2; any pair net): every
// rating is an example, labelled positive when it is at least --positive (4 stars: "liked") and
// negative otherwise; the random holdout of `train` splits them; the net trains on the labels with
// the logistic loss (no sampled negatives), stops early on the validation log loss, and reports
// the held-out AUC and log loss beside those of predicting the training positive rate.
// --export-examples DIR writes the run's examples (its split, validation part included) and the
// side fields' tables as the net reads them, so that a peer (tools/peers/ctr_peer.py, PyTorch)
// trains on exactly the same data.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "engine/data/field_inputs.h"
#include "engine/io/atomic_file.h"
#include "kernels/error.h"
#include "models/registry.h"
#include "tools/cli/commands.h"
#include "tools/cli/training_command.h"

namespace sr::cli {

namespace {

struct CtrArgs {
  DataOptions data;
  ModelArgs model;
  float positive = 4.0f;
  std::string export_dir;
};

// DIR/examples.tsv: "part user item label" per example (dense indices); DIR/fields.tsv: "input
// entity column value" per nonzero of each side field's table; DIR/shape.json: the users, items
// and each field's input name and width.
void export_examples(const std::string& dir, const Dataset& d, const Split& s, float positive) {
  std::filesystem::create_directories(dir);
  std::ostringstream ex;
  for (Part p : {Part::train, Part::valid, Part::test}) {
    const LabelledPairs lp = labelled_pairs(d, s, p, positive);
    for (size_t k = 0; k < lp.users.size(); ++k)
      ex << part_name(p) << '\t' << lp.users[k] << '\t' << lp.items[k] << '\t' << lp.labels[k] << '\n';
  }
  std::ostringstream fields;
  fields.precision(9);
  nlohmann::json shape = {{"users", d.n_users()}, {"items", d.n_items()}, {"fields", nlohmann::json::array()}};
  for (const FieldTable& f : field_tables(d)) {
    shape["fields"].push_back({{"input", f.input}, {"width", f.rows.cols}});
    for (int64_t r = 0; r < f.rows.rows; ++r)
      for (int32_t k = f.rows.row_ptr[r]; k < f.rows.row_ptr[r + 1]; ++k)
        fields << f.input << '\t' << r << '\t' << f.rows.col_idx[k] << '\t' << f.rows.val[k] << '\n';
  }
  write_file_atomically(dir + "/examples.tsv", ex.str());
  write_file_atomically(dir + "/fields.tsv", fields.str());
  write_file_atomically(dir + "/shape.json", shape.dump() + "\n");
}

void run_ctr(const CtrArgs& a, Communicator& comm) {
  TrainingCommand cmd(a.model, Task::topn, comm, false, false);  // refused before the data
  if (cmd.entry().baseline || !build_model(cmd.entry(), cmd.options(), 1, 1).pairs)
    throw error("ctr scores (user, item) pairs: model '", cmd.entry().name,
                "' is not a pair net (gmf, mlp, neumf, deepfm, dcnv2 are)");
  if (!a.model.save.empty())
    throw error("--save with ctr: a model file is evaluated by the top-N protocol; save one trained by topn");
  if (!std::isfinite(a.positive)) throw error("--positive must be a finite rating, got ", a.positive);
  a.data.check();
  Loaded data = load_and_split(a.data);  // refuses clicks: the labels come from ratings
  const Dataset& d = data.data;
  constexpr double kEarlyStopShare = 0.1;
  cmd.check_validation_size(static_cast<int64_t>(kEarlyStopShare * data.split.count(Part::train)), "examples");
  if (cmd.early_stop()) carve_validation(data.split, kEarlyStopShare, a.data.seed);
  const LabelMetrics base = base_rate_metrics(d, data.split, Part::test, a.positive);
  const LabelMetrics train_rate = base_rate_metrics(d, data.split, Part::train, a.positive);
  for (const auto& [part, m] : {std::pair{"training", train_rate}, std::pair{"test", base}})
    if (m.positive_rate == 0.0 || m.positive_rate == 1.0)
      throw error("ctr: every ", part, " example is ", m.positive_rate == 0.0 ? "negative" : "positive",
                  " with --positive ", a.positive, " (ratings from ", d.info().rating_min, " to ", d.info().rating_max,
                  "): nothing to rank");
  std::fprintf(stderr,
               "data: %lld users, %lld items; %lld training examples, %lld test (%.1f %% positive: rating >= %g)\n",
               static_cast<long long>(d.n_users()), static_cast<long long>(d.n_items()),
               static_cast<long long>(data.split.count(Part::train)), static_cast<long long>(base.n),
               100.0 * base.positive_rate, a.positive);
  if (!a.export_dir.empty()) export_examples(a.export_dir, d, data.split, a.positive);
  TrainingData td{&d, &data.split, nullptr};
  td.positive_at = a.positive;
  TrainedModel* t = cmd.fit(td, d.n_users(), d.n_items(), a.data.input.paths);
  if (!t) return;
  const LabelMetrics m = t->label_metrics(d, data.split, Part::test, a.positive);
  std::fprintf(stderr, "test AUC %.4f  log loss %.4f  (%lld examples; the positive rate alone: log loss %.4f)\n", m.auc,
               m.logloss, static_cast<long long>(m.n), base.logloss);
  nlohmann::json j = cmd.result();
  j["command"] = "ctr";
  j["positive_at"] = a.positive;
  j["test_auc"] = m.auc;
  j["test_logloss"] = m.logloss;
  j["base_logloss"] = base.logloss;
  j["positive_rate"] = m.positive_rate;
  j["n_test"] = m.n;
  print_result(j);
}

}  // namespace

void add_ctr_command(CLI::App& app) {
  auto a = std::make_shared<CtrArgs>();
  CLI::App* sub =
      app.add_subcommand("ctr", "rankers on labelled ratings (rating >= --positive): held-out AUC and log loss");
  a->data.add_to(*sub, false);
  a->model.add_to(*sub, "a pair net: deepfm, dcnv2, gmf, mlp, neumf (see `sparserec models`)");
  sub->add_option("--positive", a->positive, "the lowest rating labelled positive")->capture_default_str();
  sub->add_option("--export-examples", a->export_dir,
                  "write the run's labelled examples and side-field tables to this directory (for a peer)");
  sub->callback([a] { run_job([&](Communicator& comm) { run_ctr(*a, comm); }); });
}

}  // namespace sr::cli
