#include "engine/train/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "engine/data/rating_levels.h"
#include "engine/eval/model_scorer.h"
#include "engine/eval/pair_scorer.h"
#include "engine/eval/repeat_mix.h"
#include "kernels/error.h"

namespace sr {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// A top-N net's input rows: the training items, plus the user's own column for models with a user
// node (CDAE).
HostCsr with_user_node(const HostCsr& train) {
  HostCsr m = train;
  m.cols = train.cols + train.rows;
  m.col_idx.clear(), m.val.clear(), m.row_ptr = {0};
  for (int64_t u = 0; u < train.rows; ++u) {
    for (int32_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k)
      m.col_idx.push_back(train.col_idx[k]), m.val.push_back(1.0f);
    m.col_idx.push_back(static_cast<int32_t>(train.cols + u)), m.val.push_back(1.0f);
    m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
  }
  return m;
}

// Trains the models `m` starts from (NeuMF: GMF and MLP) with their own runs, then copies them into
// ex's weights.
void pretrain(const BuiltModel& m, Exec& ex, const HostCsr& train, const FitOptions& o) {
  std::vector<BuiltModel> parts = m.pretrain_parts();
  std::vector<std::unique_ptr<Exec>> execs;
  std::vector<const ParamStore*> stores;
  for (BuiltModel& part : parts) {
    execs.push_back(std::make_unique<Exec>(part.net, ex.backend(), o.seed));
    if (o.on_pretrain) o.on_pretrain(part.net.summary());
    BackpropStep step;
    train_pairs(*execs.back(), PairInputs::of(part.net), train, part.defaults.negatives, false,
                o.pretrain_config ? o.pretrain_config(part.defaults) : o.config, step, o.on_pretrain_epoch);
    stores.push_back(&execs.back()->params());
  }
  m.init_from_pretrained(ex.params(), stores);
}

// Sets every value of `net`'s parameter `name` to `value` in `ex`'s weights.
void start_at(Exec& ex, const Net& net, const std::string& name, float value) {
  Tensor& w = ex.params().weights(net.param(name));
  w.copy_from(
      Tensor::from_host(w.backend(), std::vector<float>(static_cast<size_t>(w.numel()), value), w.rows(), w.cols()));
}

// Sets the biases `name` of a softmax-level net (column j is level j mod K) to the log of each
// level's share of the training ratings, counted with one more of each level so that a level the
// data lacks gets a finite bias (BuiltModel::level_prior_param).
void start_at_level_shares(Exec& ex, const Net& net, const std::string& name, const HostCsr& train,
                           const RatingScale& scale) {
  const int levels = scale.levels;
  const std::string where = "a training rating";  // one off the scale is refused; net_inputs names it
  std::vector<double> count(static_cast<size_t>(levels), 1.0);
  for (float r : train.val) count[static_cast<size_t>(scale.level(r, where))] += 1.0;
  const double total = std::accumulate(count.begin(), count.end(), 0.0);
  Tensor& w = ex.params().weights(net.param(name));
  std::vector<float> bias(static_cast<size_t>(w.numel()));
  for (size_t j = 0; j < bias.size(); ++j) bias[j] = static_cast<float>(std::log(count[j % levels] / total));
  w.copy_from(Tensor::from_host(w.backend(), bias, w.rows(), w.cols()));
}

// The rows a rating or top-N net reads, from the training matrix in its orientation.
HostCsr net_inputs(const BuiltModel& m, const HostCsr& train, const std::optional<RatingOffsets>& offsets) {
  if (offsets) return offsets->apply(train, m.rows, -1.0f);  // a residual net (BuiltModel::residual_mean_param)
  if (m.user_node) return with_user_node(train);
  if (m.rating_levels) return expand_rating_levels(train, *m.rating_levels, true);
  return train;
}

// The early stopping of a rating or top-N net, scored on the split's valid part: RMSE (rating
// models), or NDCG@20 ranking every item the user has not trained on (top-N models).
std::unique_ptr<EarlyStopper> validation_stopper(TrainedModel& t, const TrainingData& data, int patience,
                                                 bool keep_weights) {
  const Dataset& d = *data.dataset;
  const Split& s = *data.split;
  if (s.count(Part::valid) == 0) throw error("early stopping: the split has no validation part to score epochs on");
  ParamStore& store = t.exec->params();
  if (data.positive_at)
    return std::make_unique<EarlyStopper>(
        store, patience, "validation log loss", true,
        [&t, &d, &s, at = *data.positive_at] { return t.label_metrics(d, s, Part::valid, at).logloss; }, keep_weights);
  if (t.model.task == Task::ratings)
    return std::make_unique<EarlyStopper>(
        store, patience, "validation RMSE", true, [&t, &d, &s] { return t.rating_metrics(d, s, Part::valid).rmse; },
        keep_weights);
  auto targets = std::make_shared<HostCsr>(part_matrix(d, s, Part::valid, RowsAre::users));
  // No sampled negatives (the full ranking's NDCG@20 does not use them, and a small catalogue may
  // not have 99 to sample).
  return std::make_unique<EarlyStopper>(
      store, patience, "validation NDCG@20", false,
      [&t, targets] { return evaluate_topn(t.topn_scorer(), *targets, t.by_user, {}, 0).ndcg20; }, keep_weights);
}

// The early stopping of a session net: MRR@20 of the validation sessions' next clicks. Where no
// repeat weight was given, the same pass ranks under every weight of the grid and each new best
// epoch chooses one (engine/eval/repeat_mix.h): with the net of the epoch the refit trains to, on
// sessions it did not train on; the curve stays the net's own MRR.
std::unique_ptr<EarlyStopper> session_stopper(TrainedModel& t, const TrainingData& data, int patience,
                                              bool keep_weights) {
  if (!data.valid_sessions || data.valid_sessions->size() == 0)
    throw error("early stopping: no validation sessions to score epochs on");
  const Sessions& valid = *data.valid_sessions;
  constexpr int kLanes = 256;  // the evaluation's own lanes; training's state restarts each epoch
  if (t.model.repeat_weight)
    return std::make_unique<EarlyStopper>(
        t.exec->params(), patience, "validation MRR@20", false,
        [&t, &valid] {
          t.reset_scorers();  // a scorer may hold a copy of the weights (Prod2vec's item vectors)
          return evaluate_sessions(t.session_scorer(), valid, kLanes, 20).mrr;
        },
        keep_weights);
  auto last = std::make_shared<RepeatChoice>();
  auto stopper = std::make_unique<EarlyStopper>(
      t.exec->params(), patience, "validation MRR@20", false,
      [&t, &valid, last] {
        t.reset_scorers();  // as above
        *last = choose_repeat_weight(t.session_scorer(), valid, kLanes);
        return last->mrr.front();  // the grid's first weight is 0: the net alone
      },
      keep_weights);
  stopper->choose_at_best([last] {
    char w[32];
    std::snprintf(w, sizeof w, "%g", static_cast<double>(last->weight));
    std::string why = std::string("repeat weight ") + w + " (validation MRR@20 by weight:";
    for (size_t k = 0; k < last->mrr.size(); ++k) {
      char x[48];
      std::snprintf(x, sizeof x, " %g: %.4f", static_cast<double>(repeat_weight_grid()[k]), last->mrr[k]);
      why += x;
    }
    return ChosenOptions{{{"repeat", w}}, why + ")"};
  });
  return stopper;
}

// Runs `train` with the config it is given; with a stopper, that config scores every epoch and
// stops at the patience, and the best epoch's weights are put back afterwards.
// With checkpoints, the curve is kept beside them (a resumed run reads the scores it did not
// compute again).
template <class Train>
EarlyStopReport train_with_stopper(std::unique_ptr<EarlyStopper> stopper, TrainConfig config, const FitOptions& o,
                                   Train train) {
  if (stopper && !config.checkpoint.dir.empty())
    stopper->record_to(config.checkpoint.dir + "/early_stop_curve.json", config.checkpoint.writer,
                       config.checkpoint.resume);
  if (stopper) {
    config.after_epoch = [&stopper, &o](int epoch) {
      const bool stop = stopper->after_epoch(epoch);
      const EarlyStopReport& r = stopper->report();
      if (o.on_validation && static_cast<int>(r.curve.size()) >= epoch)
        o.on_validation(epoch, r.metric, r.curve[static_cast<size_t>(epoch - 1)]);
      return stop;
    };
    config.stopped_after = [&stopper](int done) { return stopper->replay(done); };
  }
  train(config);
  if (!stopper) return {};
  stopper->restore_best();
  stopper->check_choice();
  return stopper->report();
}

// Rating and top-N nets: rows of the training matrix, sampled targets, or (user, item) pairs.
void train_on_matrix(TrainedModel& t, const TrainingData& data, const FitOptions& o) {
  BuiltModel& m = t.model;
  Exec& ex = *t.exec;
  const bool labelled = data.positive_at.has_value();
  const bool implicit = m.task == Task::topn && !labelled;
  HostCsr train = part_matrix(*data.dataset, *data.split, Part::train, m.rows);
  if (implicit) std::fill(train.val.begin(), train.val.end(), 1.0f);  // any interaction is a positive
  if (labelled) {
    if (!m.pairs || m.pretrain_parts)
      throw error("model '", m.net.name(), "' does not train on labelled pairs (a pair net without pretraining does)");
    for (float& v : train.val) v = v >= *data.positive_at ? 1.0f : 0.0f;
  }
  const auto& vars = m.net.vars();
  if (m.pairs &&
      std::any_of(vars.begin(), vars.end(), [](const VarInfo& v) { return v.is_input && is_field_input(v.name); }))
    t.fields = field_tables(*data.dataset);             // only a net that reads side fields needs their tables
  if (m.pretrain_parts && o.config.profile_steps == 0)  // a profile times the model's own steps
    pretrain(m, ex, train, o);
  if (!m.residual_mean_param.empty()) {
    SR_CHECK(m.task == Task::ratings && !m.pairs && !m.rating_levels && !m.user_node,
             "a residual net is a rating net over rows of the matrix");
    const RatingOffsets b = RatingOffsets::fit(m.rows == RowsAre::users ? train : transpose(train));
    start_at(*t.exec, m.net, m.residual_mean_param, b.mean);  // a checkpoint resumed replaces it
    t.offsets = b.without_mean();
  }
  if (!m.level_prior_param.empty()) {  // a checkpoint resumed replaces it
    SR_CHECK(m.rating_levels, "a level prior belongs to a net over rating levels");
    start_at_level_shares(*t.exec, m.net, m.level_prior_param, train, *m.rating_levels);
  }
  t.inputs = net_inputs(m, train, t.offsets);
  auto set_by_user = [&] { t.by_user = m.rows == RowsAre::users ? train : transpose(train); };
  const bool early_stop = o.early_stop_patience > 0;
  std::unique_ptr<EarlyStopper> stopper;
  if (early_stop) {
    set_by_user();  // the scorers of the epochs read it
    stopper = validation_stopper(t, data, o.early_stop_patience, !o.early_stop_refit);
  }
  std::unique_ptr<TrainStep> step = m.make_step ? m.make_step() : std::make_unique<BackpropStep>();
  t.early_stop = train_with_stopper(std::move(stopper), o.config, o, [&](const TrainConfig& config) {
    if (m.pairs) {
      train_pairs(ex, t.pair_inputs(), train, implicit ? m.defaults.negatives : 0, !implicit, config, *step,
                  o.on_epoch);
    } else if (m.in_batch) {
      train_two_tower(ex, TwoTowerInputs::of(m.net), train, *m.in_batch, config, *step, o.on_epoch);
    } else if (implicit && m.defaults.negatives > 0) {
      train_rows_with_targets(ex, m.net.input("ratings"), m.net.input("targets"), t.inputs, train, m.defaults.negatives,
                              config, *step, o.on_epoch);
    } else {  // the input is its own target (autoencoders), or the RBM's data
      train_rows(ex, m.net.input("ratings"), t.inputs, config, *step, o.on_epoch);
    }
  });
  if (!early_stop) t.by_user = m.rows == RowsAre::users ? std::move(train) : transpose(train);
}

// Places a fresh net on `be` and trains it on `data` (one run; with a patience, early stopping
// on the validation part).
void fit_net(TrainedModel& t, const TrainingData& data, Backend& be, const FitOptions& o) {
  BuiltModel& m = t.model;
  t.exec = std::make_unique<Exec>(m.net, be, o.seed);
  if (m.task != Task::sessions) return train_on_matrix(t, data, o);
  std::unique_ptr<EarlyStopper> stopper;
  if (o.early_stop_patience > 0) stopper = session_stopper(t, data, o.early_stop_patience, !o.early_stop_refit);
  BackpropStep step;
  t.early_stop = train_with_stopper(std::move(stopper), o.config, o, [&](const TrainConfig& config) {
    if (m.skip_gram)
      train_skip_gram(*t.exec, *data.sessions, *m.skip_gram, config, step, o.on_epoch);
    else if (m.prefix_steps > 0)
      train_prefixes(*t.exec, *data.sessions, m.prefix_steps, m.prefixes_in_time_order, config, step, o.on_epoch);
    else
      train_sessions(*t.exec, *data.sessions, m.sampling, config, step, o.on_epoch);
  });
  t.reset_scorers();  // the weights may be the best epoch's again, not those a scorer copied
}

void set_repeat(TrainedModel& t, float weight) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(weight));
  t.model.repeat_weight = weight;
  t.model.derived_options["repeat"] = text;
  t.reset_scorers();  // the next session scorer mixes
}

// The repeat weight recorded by `source` (a selection file, when read back), checked.
float repeat_weight_of(const std::string& text, const std::string& source) {
  char* end = nullptr;
  const float w = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(w >= 0.0f && w < 1.0f))
    throw error("early stopping: ", source, " records repeat weight '", text, "', not a number in [0, 1)");
  return w;
}

// Options the early stopping chose with its best epoch's net (a session net's repeat weight,
// where none was given), into the model, recorded as derived options so that its file keeps them.
void apply_chosen(TrainedModel& t, const EarlyStopReport& chosen, const std::string& source) {
  if (const auto it = chosen.chosen_options.find("repeat"); it != chosen.chosen_options.end() && !t.model.repeat_weight)
    set_repeat(t, repeat_weight_of(it->second, source));
}

// Early stopping with a refit: the epochs are chosen on the validation part by a run that does not
// train on it (its checkpoints in DIR/select), then a fresh net — the same seed — trains on all the
// training data for that many epochs (checkpoints in DIR). The choice is kept in
// DIR/early_stop.json, so that a resumed run goes straight to the refit.
void fit_select_then_refit(TrainedModel& t, const TrainingData& data, Backend& be, const FitOptions& o) {
  const Checkpointing& ck = o.config.checkpoint;
  const std::string selection = ck.dir.empty() ? "" : ck.dir + "/early_stop.json";
  std::optional<EarlyStopReport> chosen;
  if (ck.resume && !selection.empty()) chosen = load_selection(selection);
  if (!chosen && o.selection) {
    chosen = o.selection;
    chosen->refit = true;
    if (ck.writer && !selection.empty()) save_selection(selection, *chosen);
  }
  if (!chosen) {
    FitOptions select = o;
    if (!ck.dir.empty()) select.config.checkpoint.dir = ck.dir + "/select";
    if (o.on_phase) o.on_phase("early stopping: choosing the epochs on the validation part");
    if (const std::string from = ck.resume ? newest_checkpoint(select.config.checkpoint.dir) : "";
        !from.empty() && o.on_phase)
      o.on_phase("resume: from " + from);
    fit_net(t, data, be, select);
    chosen = t.early_stop;
    chosen->refit = true;
    if (chosen->best_epoch < 1)
      throw error(
          "early stopping: the selection run scored no epoch (a resumed run with nothing left to train?); "
          "start again without --resume or in a new --checkpoint-dir");
    if (ck.writer && !selection.empty()) save_selection(selection, *chosen);
    if (o.on_phase && !chosen->chosen_why.empty()) o.on_phase(chosen->chosen_why);
  }
  Split all;  // the validation part back in training
  TrainingData full = data;
  if (data.split) {
    all = *data.split;
    merge_validation(all);
    full.split = &all;
  }
  if (data.sessions) {
    SR_CHECK(data.all_sessions, "early stopping with a refit: the training and validation sessions together");
    full.sessions = data.all_sessions, full.valid_sessions = nullptr;
  }
  t.reset_scorers();  // they read the selection run's net
  FitOptions refit = o;
  refit.early_stop_patience = 0;
  refit.config.epochs = chosen->best_epoch;
  if (o.on_phase) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "early stopping: best %s %.4f at epoch %d of %d; training on all the training data for %d epochs",
                  chosen->metric.c_str(), chosen->best, chosen->best_epoch, chosen->epochs_run, chosen->best_epoch);
    std::string curve = " (by epoch:";  // the whole curve, to see how sharp the choice was
    for (double v : chosen->curve) {
      char x[32];
      std::snprintf(x, sizeof x, " %.4f", v);
      curve += x;
    }
    o.on_phase(line + curve + ")");
  }
  fit_net(t, full, be, refit);
  t.early_stop = *chosen;
  apply_chosen(t, *chosen,
               selection.empty() ? "the selection run"
                                 : "'" + selection + "'");  // as chosen, also when a resumed run read the choice
}

}  // namespace

std::unique_ptr<TrainedModel> fit_model(BuiltModel model, const TrainingData& data, Backend* be, const FitOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  auto t = std::make_unique<TrainedModel>();
  t->model = std::move(model);
  BuiltModel& m = t->model;
  auto report = [&](const EpochReport& r) {
    t->epochs.push_back(r);
    if (o.on_epoch) o.on_epoch(r);
  };
  FitOptions run = o;  // the epochs are recorded before the caller sees them
  run.on_epoch = report;
  if (m.task == Task::sessions) {
    SR_CHECK(data.sessions, "fit_model: a session model needs sessions");
    t->n_items_ = data.sessions->n_items;
  } else {
    SR_CHECK(data.dataset && data.split, "fit_model: a rating or top-N model needs a dataset and its split");
  }
  if (m.fit_sessions) {
    t->sessions_ = m.fit_sessions(*data.sessions);
  } else if (m.fit_ratings) {
    t->by_user = part_matrix(*data.dataset, *data.split, Part::train, RowsAre::users);
    t->ratings_ = m.fit_ratings(t->by_user);
  } else if (m.fit_topn) {
    t->by_user = part_matrix(*data.dataset, *data.split, Part::train, RowsAre::users);
    std::fill(t->by_user.val.begin(), t->by_user.val.end(), 1.0f);
    t->topn_ = m.fit_topn(t->by_user);
  } else if (o.early_stop_patience > 0 && o.early_stop_refit && o.config.profile_steps == 0) {
    fit_select_then_refit(*t, data, *be, run);
  } else {
    fit_net(*t, data, *be, run);
    apply_chosen(*t, t->early_stop, "the early stopping");  // with the best weights kept: the same net
    if (o.on_phase && !t->early_stop.chosen_why.empty()) o.on_phase(t->early_stop.chosen_why);
  }
  t->fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

void TrainedModel::reset_scorers() {
  topn_.reset(), sessions_.reset(), factors_.reset();
  rating_range_.reset();
  item_hidden_ = Tensor();
}

std::unique_ptr<TrainedModel> TrainedModel::restore(BuiltModel model, Backend& be, const std::string& path,
                                                    ModelData* data) {
  if (model.is_baseline()) throw error("model file '", path, "': a baseline has no model file");
  auto t = std::make_unique<TrainedModel>();
  t->model = std::move(model);
  const BuiltModel& m = t->model;
  t->exec = std::make_unique<Exec>(t->model.net, ParamStore::for_loading(t->model.net, be), 0);
  ModelData d = load_model(path, t->exec->params());
  t->n_items_ = static_cast<int64_t>(d.item_ids.size());
  if (m.task != Task::sessions) {
    t->by_user = d.train_by_user;
    t->fields = d.fields;
    if (m.task == Task::topn)  // implicit feedback is kept without values: every interaction counts 1
      t->by_user.val.assign(t->by_user.col_idx.size(), 1.0f);
    if (!m.residual_mean_param.empty())  // as when it was trained: from its training data
      t->offsets = RatingOffsets::fit(t->by_user).without_mean();
    t->inputs = net_inputs(m, m.rows == RowsAre::users ? t->by_user : transpose(t->by_user), t->offsets);
  }
  if (data) *data = std::move(d);
  return t;
}

void TrainedModel::save(const std::string& path, const ModelMeta& meta, const ModelData& data) const {
  SR_CHECK(exec, "a baseline has no weights to save");
  const std::vector<PairInputs::Field> read = model.pairs ? pair_inputs().fields : std::vector<PairInputs::Field>{};
  if (read.empty()) return save_model(path, meta, data, exec->params());
  ModelData with_fields = data;  // the side fields the net reads go with it: it scores without the data
  for (const PairInputs::Field& f : read) with_fields.fields.push_back(*f.table);
  save_model(path, meta, with_fields, exec->params());
}

PairInputs TrainedModel::pair_inputs() const { return PairInputs::of(model.net, fields); }

double TrainedModel::median_epoch_seconds() const {
  std::vector<double> s;
  for (const auto& r : epochs) s.push_back(r.seconds);
  return median(s);
}

double TrainedModel::median_rate() const {
  std::vector<double> s;
  for (const auto& r : epochs) s.push_back(r.nnz_per_second);
  return median(s);
}

Scorer& TrainedModel::topn_scorer() {
  if (!topn_) {
    SR_CHECK(exec, "a baseline's scorer is made when it is fitted");
    if (model.pairs)
      topn_ = std::make_unique<PairScorer>(*exec, pair_inputs(), by_user.cols);
    else
      topn_ = std::make_unique<ModelScorer>(*exec, model.net.input("ratings"), model.net.output(), inputs);
  }
  return *topn_;
}

SessionScorer& TrainedModel::session_scorer() {
  if (!sessions_) {
    SR_CHECK(exec, "a baseline's scorer is made when it is fitted");
    if (model.make_session_scorer)
      sessions_ = model.make_session_scorer(*exec);
    else if (model.prefix_steps > 0)
      sessions_ = std::make_unique<PrefixSessionScorer>(*exec, model.prefix_steps, n_items_);
    else
      sessions_ = std::make_unique<NetSessionScorer>(*exec, n_items_);
    if (model.repeat_weight.value_or(0.0f) > 0.0f)
      sessions_ = std::make_unique<RepeatMixScorer>(std::move(sessions_), n_items_, *model.repeat_weight);
  }
  return *sessions_;
}

LabelMetrics TrainedModel::label_metrics(const Dataset& d, const Split& s, Part heldout, float positive_at) {
  SR_CHECK(exec && model.pairs, "label metrics are a pair net's");
  const LabelledPairs p = labelled_pairs(d, s, heldout, positive_at);
  return sr::label_metrics(score_pairs(*exec, pair_inputs(), p.users, p.items), p.labels);
}

RatingMetrics TrainedModel::rating_metrics(const Dataset& d, const Split& s, Part heldout) {
  if (ratings_) return evaluate_ratings(*ratings_, d, s, heldout);
  if (model.pairs) return evaluate_pair_ratings(*exec, pair_inputs(), d, s, heldout);
  return evaluate_ratings(*exec, model.net.input("ratings"), model.net.output(), d, s, heldout, model.rows,
                          model.rating_levels ? &*model.rating_levels : nullptr, offsets ? &*offsets : nullptr);
}

std::vector<std::vector<Scored>> TrainedModel::recommend(const std::vector<int32_t>& users, int k) {
  SR_CHECK(exec && model.task != Task::sessions, "recommend() is for trained rating and top-N models");
  if (model.pair_factors && !factors_)
    factors_ = std::make_unique<FactorScorer>(exec->backend(), model.pair_factors(exec->params()));
  std::vector<std::vector<Scored>> top =
      factors_ ? factors_->topk(by_user, users, k)
      : model.pairs
          ? recommend_pairs_topk(*exec, pair_inputs(), by_user, users, k)
          : recommend_topk(*exec, model.net.input("ratings"), model.net.output(), inputs, by_user, model.rows, users, k,
                           model.rating_levels ? &*model.rating_levels : nullptr,
                           model.rows == RowsAre::items ? &item_hidden() : nullptr, offsets ? &offsets->item : nullptr);
  if (offsets)  // the item biases ranked with the residuals; the rest of the offset, per user, added here
    for (size_t j = 0; j < users.size(); ++j)
      for (Scored& s : top[j]) s.score += offsets->mean + offsets->user[static_cast<size_t>(users[j])];
  if (model.task == Task::ratings && by_user.nnz() > 0) {  // predicted ratings stay on the training data's scale
    if (!rating_range_) rating_range_ = observed_range(by_user.val);
    for (auto& row : top)
      for (Scored& s : row) s.score = rating_range_->clip(s.score);
  }
  return top;
}

namespace {
// A factor model's rows (users or items of `f`) without the columns that carry biases.
TrainedModel::ItemVectors factor_vectors(const std::vector<float>& rows, const PairFactors& f) {
  TrainedModel::ItemVectors v;
  v.n = static_cast<int64_t>(rows.size()) / f.dim, v.dim = f.embedding_dim > 0 ? f.embedding_dim : f.dim;
  for (int64_t r = 0; r < v.n; ++r)
    v.values.insert(v.values.end(), rows.begin() + r * f.dim, rows.begin() + r * f.dim + v.dim);
  return v;
}
}  // namespace

TrainedModel::ItemVectors TrainedModel::output_table_vectors() const {
  ItemVectors v;
  bool by_columns = false;
  const Param* table = model.net.producer(model.net.output()).column_table(&by_columns);
  if (!table) return v;
  const std::vector<float> w = exec->params().weights(*table).to_host();
  const int64_t rows = table->rows, cols = table->cols;
  v.n = by_columns ? cols : rows, v.dim = by_columns ? rows : cols;
  v.values.resize(w.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      v.values[static_cast<size_t>(by_columns ? c * rows + r : r * cols + c)] = w[static_cast<size_t>(r * cols + c)];
  return v;
}

TrainedModel::ItemVectors TrainedModel::item_vectors() {
  ItemVectors v;
  if (!exec || model.rating_levels) return v;
  if (model.pair_factors) {
    const PairFactors f = model.pair_factors(exec->params());
    return factor_vectors(f.items, f);
  }
  if (model.pairs) return v;  // MLP, NeuMF: items meet users only inside the tower
  if (!model.item_vector_param.empty()) {
    const Param& p = model.net.param(model.item_vector_param);
    v.n = p.rows, v.dim = p.cols, v.values = exec->params().weights(p).to_host();
    return v;
  }
  if (model.rows == RowsAre::items) {
    const Tensor& h = item_hidden();
    v.n = h.rows(), v.dim = h.cols(), v.values = h.to_host();
    return v;
  }
  v = output_table_vectors();
  if (v.n != n_items_) return {};  // an output whose columns are not the items
  return v;
}

TrainedModel::ItemVectors TrainedModel::user_vectors() {
  ItemVectors v;
  if (!exec || model.rating_levels || model.task == Task::sessions) return v;
  if (model.pair_factors) {
    const PairFactors f = model.pair_factors(exec->params());
    return factor_vectors(f.users, f);
  }
  if (model.pairs) return v;
  if (model.rows == RowsAre::items) {  // the output's columns are the users
    v = output_table_vectors();
    return v.n == by_user.rows ? v : ItemVectors{};
  }
  // A user-based net: what its output layer reads for each user's row, the vector its table's
  // item vectors are multiplied with (a table with a vector per item, of that width).
  bool by_columns = false;
  const Param* table = model.net.producer(model.net.output()).column_table(&by_columns);
  if (!table || (by_columns ? table->cols : table->rows) != n_items_) return v;
  const Tensor h = item_hidden_rows(*exec, model.net.input("ratings"), model.net.output(), inputs);
  if (h.cols() != (by_columns ? table->rows : table->cols)) return v;
  v.n = h.rows(), v.dim = h.cols(), v.values = h.to_host();
  return v;
}

TrainedModel::ScoreVectors TrainedModel::score_vectors() {
  ScoreVectors s;
  if (!exec || model.rating_levels || model.task == Task::sessions) return s;
  if (model.pair_factors) {  // every column: the bias columns meet a 1 on the other side
    PairFactors f = model.pair_factors(exec->params());
    f.embedding_dim = 0;
    s.users = factor_vectors(f.users, f), s.items = factor_vectors(f.items, f);
    return s;
  }
  if (model.pairs || model.rows == RowsAre::items) return s;
  ItemVectors u = user_vectors(), v = item_vectors();
  if (u.dim == 0 || v.dim == 0 || u.dim != v.dim) return s;
  // The output layer's bias: its parameter with a value per item (none: no bias).
  std::vector<float> bias(static_cast<size_t>(v.n), 0.0f);
  bool by_columns = false;
  const Layer& out = model.net.producer(model.net.output());
  const Param* table = out.column_table(&by_columns);
  for (const Param* p : out.params())
    if (p != table && p->rows * p->cols == v.n) bias = exec->params().weights(*p).to_host();
  if (offsets)
    for (int64_t i = 0; i < v.n; ++i) bias[static_cast<size_t>(i)] += offsets->item[static_cast<size_t>(i)];
  auto widen = [](const ItemVectors& x, const std::vector<float>& last) {
    ItemVectors w;
    w.n = x.n, w.dim = x.dim + 1;
    w.values.reserve(static_cast<size_t>(w.n * w.dim));
    for (int64_t r = 0; r < x.n; ++r) {
      w.values.insert(w.values.end(), x.values.begin() + r * x.dim, x.values.begin() + (r + 1) * x.dim);
      w.values.push_back(last.empty() ? 1.0f : last[static_cast<size_t>(r)]);
    }
    return w;
  };
  s.users = widen(u, {}), s.items = widen(v, bias);
  return s;
}

const Tensor& TrainedModel::item_hidden() {
  if (item_hidden_.empty())
    item_hidden_ = item_hidden_rows(*exec, model.net.input("ratings"), model.net.output(), inputs);
  return item_hidden_;
}

std::vector<std::vector<Scored>> TrainedModel::recommend_next(const std::vector<std::vector<int32_t>>& sessions,
                                                              int k) {
  if (k <= 0) throw error("top-K needs k >= 1, got ", k);
  SR_CHECK(model.task == Task::sessions, "recommend_next() is for session models");
  for (size_t s = 0; s < sessions.size(); ++s) {
    if (sessions[s].empty()) throw error("session ", s + 1, " has no click");
    for (int32_t i : sessions[s])
      if (i < 0 || i >= n_items_) throw error("item index ", i, " is outside [0, ", n_items_, ")");
  }
  // Sessions of like length side by side (the longest first), so that few lanes wait.
  std::vector<size_t> order(sessions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sessions[a].size() > sessions[b].size(); });
  constexpr size_t kLanes = 256;
  SessionScorer& scorer = session_scorer();
  auto cpu = make_cpu_backend();  // the top-K op on the host scores
  std::vector<std::vector<Scored>> out(sessions.size());
  std::vector<float> scores;
  for (size_t first = 0; first < order.size(); first += kLanes) {
    const size_t lanes = std::min(kLanes, order.size() - first);
    const size_t steps = sessions[order[first]].size();
    // The lanes end together: a shorter session waits on item 0, starting afresh at every step,
    // until its first click (which starts it once more). Only the last step is scored.
    std::vector<int32_t> items(lanes), starts(lanes);
    for (size_t t = 0; t < steps; ++t) {
      for (size_t l = 0; l < lanes; ++l) {
        const auto& s = sessions[order[first + l]];
        const size_t begin = steps - s.size();
        items[l] = t >= begin ? s[t - begin] : 0;
        starts[l] = t <= begin ? 1 : 0;
      }
      if (t + 1 < steps)
        scorer.advance(items, starts);
      else
        scorer.step(items, starts, scores);
    }
    std::vector<int32_t> index(lanes * static_cast<size_t>(k));
    std::vector<float> best(index.size());
    TopKArgs a;
    a.rows = static_cast<int64_t>(lanes), a.cols = n_items_, a.scores = scores.data(), a.k = k;
    a.out_index = index.data(), a.out_score = best.data();
    cpu->topk(a);
    for (size_t l = 0; l < lanes; ++l)
      for (int j = 0; j < k && index[l * k + j] >= 0; ++j)
        out[order[first + l]].push_back({index[l * k + j], best[l * k + j]});
  }
  return out;
}

}  // namespace sr
