#include "tools/cli/training_command.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "engine/checksum.h"
#include "engine/train/option_choice.h"
#include "kernels/error.h"
#include "tools/cli/options_file.h"

namespace sr::cli {

void ModelArgs::add_to(CLI::App& app, const char* models_help) {
  app.add_option("--model", model, models_help)->required();
  app.add_option("options", options, "model options as key=value (see `sparserec models`)");
  flags.add_to(app);
  app.add_option("--save", save, "write the trained model to this file");
  app.add_option("--options-file", options_file,
                 "model options and --lr/--batch/--epochs from `sparserec tune` (those given here win)");
}

TrainingCommand::TrainingCommand(const ModelArgs& args, Task task, Communicator& comm, bool validate,
                                 bool leave_one_out)
    : args_(args), task_(task), comm_(&comm), entry_(&find_model(args.model, task)) {
  apply_options_file(args_, task_command(task));
  options_ = parse_key_values(args_.options);
  args_.flags.check();
  if (entry_->baseline && !args_.save.empty())
    throw error("--save: a baseline (", entry_->name, ") has no trained weights to save");
  if (entry_->baseline && !args_.flags.log.empty())
    throw error("--log: a baseline (", entry_->name, ") is fitted, not trained: it has no epochs to log");
  const BuiltModel probe = build_model(*entry_, options_, 1, 1);  // refuses options before any data is read
  if (probe.is_baseline()) return;
  args_.flags.config(probe.defaults, &comm);  // refuses a batch the shards cannot split
  const TrainFlags& f = args_.flags;
  if (validate && !f.early_stop_auto() && !f.early_stop_off())
    throw error(
        "--early-stop with --validate: the validation part is what this run reports (tuning); leave "
        "--early-stop out");
  if (!validate && f.profile_steps == 0)
    patience_ =
        f.early_stop_patience(f.epochs.value_or(probe.defaults.epochs), probe.task == Task::topn && leave_one_out);
}

void TrainingCommand::check_validation_size(int64_t n, const char* what) {
  if (patience_ == 0 || n >= kMinValidation || !args_.flags.early_stop_auto()) return;
  if (comm_->rank() == 0)
    std::fprintf(stderr, "early stopping off: the validation part would hold %lld %s (fewer than %lld)\n",
                 static_cast<long long>(n), what, static_cast<long long>(kMinValidation));
  patience_ = 0;
}

namespace {
// The distinct ratings of the training part (a model may take its rating scale from them); none
// for implicit feedback and sessions.
std::vector<float> distinct_training_ratings(const TrainingData& data) {
  if (!data.dataset || !data.split || !data.dataset->has_ratings()) return {};
  std::set<float> seen;
  const auto ratings = data.dataset->ratings();
  for (size_t e = 0; e < ratings.size(); ++e)
    if (static_cast<Part>(data.split->part[e]) == Part::train) seen.insert(ratings[e]);
  return {seen.begin(), seen.end()};
}

// The data a rank trains on, as a hash: the dataset's fingerprint and its split's parts, or the
// training sessions.
uint64_t data_hash(const TrainingData& data) {
  if (data.dataset) {
    const uint64_t parts[2] = {dataset_fingerprint(*data.dataset),
                               checksum64(data.split->part.data(), data.split->part.size())};
    return checksum64(parts, sizeof parts);
  }
  const Sessions& s = *data.sessions;
  const uint64_t parts[2] = {checksum64(s.start.data(), s.start.size() * sizeof(int64_t)),
                             checksum64(s.item.data(), s.item.size() * sizeof(int32_t))};
  return checksum64(parts, sizeof parts);
}

// Every rank must train the same model with the same flags on the same data (the paths may differ:
// a node's own copy).
void check_training_ranks_agree(Communicator& comm, const std::string& model,
                                const std::map<std::string, std::string>& options, const TrainConfig& cfg, int patience,
                                const TrainingData& data) {
  if (comm.size() <= 1) return;
  nlohmann::json flags = nlohmann::json::parse(cfg.checkpoint.run);
  flags.erase("run");  // it names the data by path
  flags["epochs"] = cfg.epochs, flags["early_stop_patience"] = patience;
  const std::string what_text = nlohmann::json{model, options}.dump(), flags_text = flags.dump();
  const RankAgreement parts[] = {{"the model or its options", checksum64(what_text.data(), what_text.size())},
                                 {"the training flags (epochs, batch, optimizer, lr, seed, ...)",
                                  checksum64(flags_text.data(), flags_text.size())},
                                 {"the data (its contents or split)", data_hash(data)}};
  check_ranks_agree(comm, parts);
}

// The model and its run, on stderr; `choosing`: the option chosen on the validation part, if any.
void announce(const BuiltModel& m, const TrainConfig& cfg, const OptionSpec* choosing,
              std::optional<float> positive_at) {
  std::string how;
  if (m.skip_gram)
    how = "skip-gram pairs within " + std::to_string(m.skip_gram->window) + " clicks, " +
          std::to_string(m.skip_gram->negatives) + " negatives each";
  else if (m.prefix_steps > 0)
    how = "prefixes (their last " + std::to_string(m.prefix_steps) + " clicks), full softmax";
  else if (m.task == Task::sessions)
    how = m.net.loss().kind == LossKind::rank
              ? "sampled output: the batch's targets + " + std::to_string(m.sampling.n_sample) + " samples"
              : "session-parallel lanes, full softmax";
  else if (m.in_batch)
    how = "every interaction; softmax over the batch's items + " + std::to_string(m.in_batch->n_sample) + " samples" +
          (m.in_batch->logq ? ", logQ-corrected" : "");
  else if (positive_at)
    how = "labelled pairs (rating >= " + (std::ostringstream() << *positive_at).str() +
          " positive), no sampled negatives";
  else if (m.task == Task::topn)
    how = m.defaults.negatives > 0 ? std::to_string(m.defaults.negatives) + " negatives per positive" : "full softmax";
  else if (choosing)
    how = choosing->name + " chosen on the validation part";
  else
    how = m.rows == RowsAre::items ? "rows are items" : "rows are users";
  std::string fields;  // the side fields a ranker reads
  for (const VarInfo& v : m.net.vars())
    if (v.is_input && is_field_input(v.name)) fields += (fields.empty() ? "; side fields " : ", ") + v.name;
  how += fields;
  std::fprintf(stderr, "model: %s; %s; optimizer %s lr %g, %d epochs, batch %s\n", m.net.summary().c_str(), how.c_str(),
               optimizer_name(cfg.optimizer.kind), cfg.optimizer.lr, cfg.epochs,
               cfg.batch_rows > 0 ? std::to_string(cfg.batch_rows).c_str() : "full");
}
}  // namespace

TrainedModel* TrainingCommand::fit(const TrainingData& data, int64_t n_users, int64_t n_items,
                                   const std::vector<std::string>& data_paths) {
  n_users_ = n_users, n_items_ = n_items;
  const std::vector<FieldShape> fields =
      data.dataset ? field_shapes(field_tables(*data.dataset)) : std::vector<FieldShape>{};
  BuiltModel built =
      build_model(*entry_, options_, n_users, n_items,
                  task_ == Task::ratings ? distinct_training_ratings(data) : std::vector<float>{}, fields);
  derived_options_ = built.derived_options;
  if (built.is_baseline()) {
    trained_ = fit_model(std::move(built), data, nullptr, {});
    return comm_->rank() == 0 ? trained_.get() : nullptr;
  }
  const std::string command = task_command(task_);
  rank_ = std::make_unique<RankTraining>(args_.flags, built.defaults, *comm_,
                                         run_id(command, entry_->name, options_, data_paths));
  const OptionSpec* chosen = auto_option(entry_->options, options_);
  if (rank_->leader()) announce(built, rank_->config(), chosen && patience_ > 0 ? chosen : nullptr, data.positive_at);
  check_training_ranks_agree(*comm_, entry_->name, options_, rank_->config(), patience_, data);
  FitOptions o;
  o.config = rank_->config();
  o.seed = args_.flags.seed;
  o.early_stop_patience = patience_;
  o.early_stop_refit = args_.flags.early_stop_mode == "refit";
  if (!args_.flags.log.empty() && rank_->leader()) {
    log_ = std::make_unique<TrainingLog>(args_.flags.log);
    log_->start(command, entry_->name, options_);
  }
  o.on_phase = [this](const std::string& what) {
    if (!rank_->leader()) return;
    std::fprintf(stderr, "%s\n", what.c_str());
    if (log_) log_->phase(what);
  };
  o.on_epoch = [this, report = rank_->reporter()](const EpochReport& r) {
    report(r);
    if (log_) log_->epoch(r);
  };
  o.on_validation = [this](int epoch, const std::string& metric, double value) {
    if (log_) log_->validation(epoch, metric, value);
  };
  o.pretrain_config = [this](const TrainDefaults& d) { return args_.flags.pretrain_config(d, &rank_->gradients()); };
  o.on_pretrain = [this](const std::string& what) {
    if (!rank_->leader()) return;
    std::fprintf(stderr, "pretraining %s\n", what.c_str());
    if (log_) log_->phase("pretraining " + what);
  };
  o.on_pretrain_epoch = [this](const EpochReport& r) {
    if (!rank_->leader()) return;
    args_.flags.print_epoch(r);
    if (log_) log_->epoch(r, true);
  };
  if (chosen && patience_ > 0) {
    auto build = [&](const std::string& value) {
      std::map<std::string, std::string> with = options_;
      with[chosen->name] = value;
      return build_model(*entry_, with, n_users, n_items,
                         task_ == Task::ratings ? distinct_training_ratings(data) : std::vector<float>{}, fields);
    };
    std::vector<std::string> values(chosen->choices.begin() + 1, chosen->choices.end());  // after "auto"
    std::stable_partition(values.begin(), values.end(),
                          [&](const std::string& v) { return v == chosen->auto_fallback; });
    ChosenFit fit = fit_choosing({chosen->name, values}, build, data, rank_->backend(), o);
    trained_ = std::move(fit.trained);
    chosen_why_ = fit.why;
    derived_options_ = trained_->model.derived_options;
    derived_options_[chosen->name] = fit.value;
  } else {
    trained_ = fit_model(std::move(built), data, &rank_->backend(), o);
    derived_options_ = trained_->model.derived_options;  // with what training chose (a repeat weight)
    if (chosen) {
      derived_options_[chosen->name] = chosen->auto_fallback;
      if (rank_->leader())
        std::fprintf(stderr, "%s=auto: %s, as early stopping is off (the choice is made on its validation scores)\n",
                     chosen->name.c_str(), chosen->auto_fallback.c_str());
    }
  }
  if (const EarlyStopReport& es = trained_->early_stop; es.best_epoch > 0 && !es.refit && rank_->leader())
    std::fprintf(stderr, "early stopping: best %s %.4f at epoch %d (%d epochs run)\n", es.metric.c_str(), es.best,
                 es.best_epoch, es.epochs_run);
  if (rank_->profiled(command, entry_->name, options_, trained_->model.net)) return nullptr;
  return rank_->leader() ? trained_.get() : nullptr;
}

void TrainingCommand::save(const ImportArgs& data_args, const Dataset& data, double test_fraction, uint64_t split_seed,
                           uint64_t negatives_seed, const SplitFiles& files) const {
  if (args_.save.empty()) return;
  ModelMeta meta;
  meta.model = entry_->name, meta.task = task_name(task_), meta.options = options_;
  for (const auto& [k, v] : derived_options_) meta.options[k] = v;  // rebuilds without the data (and `auto` decided)
  meta.n_users = n_users_, meta.n_items = n_items_;
  if (files.given()) {
    ImportArgs train_args = data_args;
    train_args.paths = {files.train};
    meta.data = data_reference(train_args, data, {files.test});
  } else {
    meta.data = data_reference(data_args, data);
  }
  meta.test_fraction = test_fraction, meta.split_seed = split_seed, meta.negatives_seed = negatives_seed;
  ModelData d;
  d.item_ids.assign(data.item_ids().begin(), data.item_ids().end());
  if (task_ != Task::sessions) {
    d.user_ids.assign(data.user_ids().begin(), data.user_ids().end());
    d.train_by_user = trained_->by_user;
    if (task_ == Task::topn) d.train_by_user.val.clear();  // implicit: every interaction counts 1
  }
  trained_->save(args_.save, meta, d);
  std::fprintf(stderr, "saved %s\n", args_.save.c_str());
}

nlohmann::json TrainingCommand::result() const {
  nlohmann::json j;
  j["command"] = task_command(task_);
  j["model"] = entry_->name;
  j["options"] = options_;
  if (!derived_options_.empty()) j["derived_options"] = derived_options_;  // e.g. RBM-CF's rating scale
  if (!chosen_why_.empty()) j["option_chosen"] = chosen_why_;
  j["fit_seconds"] = trained_->fit_seconds;
  j["epoch_seconds_median"] = trained_->median_epoch_seconds();
  if (rank_) {
    const TrainConfig& cfg = rank_->config();
    j["device"] = rank_->backend().describe();
    j["optimizer"] = optimizer_name(cfg.optimizer.kind);
    j["lr"] = cfg.optimizer.lr;
    j["epochs"] = cfg.epochs;
    double total = 0.0;
    for (const auto& r : trained_->epochs) total += r.seconds;
    j["train_seconds"] = total;
    j["train_rate_median"] = trained_->median_rate();
    if (const EarlyStopReport& es = trained_->early_stop; es.best_epoch > 0)
      j["early_stop"] = {{"metric", es.metric},   {"best_epoch", es.best_epoch},
                         {"best", es.best},       {"epochs_run", es.epochs_run},
                         {"patience", patience_}, {"refit", es.refit},
                         {"curve", es.curve}};  // the validation score of every epoch run
  }
  return j;
}

}  // namespace sr::cli
