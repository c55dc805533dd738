#include "engine/train/early_stopping.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "engine/net/net.h"
#include "kernels/error.h"

namespace sr {

namespace {
nlohmann::json to_json(const EarlyStopReport& r) {
  return {{"metric", r.metric},
          {"best_epoch", r.best_epoch},
          {"best", r.best},
          {"lower_is_better", r.lower_is_better},
          {"epochs_run", r.epochs_run},
          {"curve", r.curve},
          {"refit", r.refit},
          {"chosen_options", r.chosen_options},
          {"chosen_why", r.chosen_why}};
}

void write_json(const std::string& path, const nlohmann::json& j) { write_file_atomically(path, j.dump() + "\n"); }

std::optional<nlohmann::json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw error("early stopping: '", path, "' is damaged (not JSON)");
  return j;
}
}  // namespace

EarlyStopper::EarlyStopper(ParamStore& store, int patience, std::string metric, bool lower_is_better,
                           std::function<double()> score, bool keep_weights)
    : store_(&store),
      patience_(patience),
      lower_is_better_(lower_is_better),
      keep_weights_(keep_weights),
      score_(std::move(score)) {
  if (patience < 1) throw error("early stopping: patience must be >= 1 epoch, got ", patience);
  report_.metric = std::move(metric);
  report_.lower_is_better = lower_is_better;
}

void EarlyStopper::record_to(std::string path, bool writer, bool resume) {
  SR_CHECK(!(resume && keep_weights_), "early stopping: a resumed run cannot keep the best epoch's weights");
  path_ = std::move(path), writer_ = writer;
  if (writer_)
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path());  // before any checkpoint
  if (!resume) return;
  const auto j = read_json(path_);
  if (!j) return;
  try {
    if (j->at("metric").get<std::string>() != report_.metric)
      throw error("early stopping: '", path_, "' scored ", j->at("metric").get<std::string>(), ", this run ",
                  report_.metric);
    const auto curve = j->at("curve").get<std::vector<double>>();
    for (size_t e = 0; e < curve.size(); ++e) recorded_[static_cast<int>(e) + 1] = curve[e];
    recorded_best_ = j->at("best_epoch").get<int>();
    recorded_choice_.options = j->value("chosen_options", std::map<std::string, std::string>{});
    recorded_choice_.why = j->value("chosen_why", std::string());
  } catch (const nlohmann::json::exception& e) {
    throw error("early stopping: '", path_, "' is damaged: ", e.what());
  }
}

bool EarlyStopper::take(int epoch, double s) {
  report_.curve.push_back(s);
  report_.epochs_run = epoch;
  if (!std::isfinite(s))
    throw error("early stopping: the ", report_.metric, " after epoch ", epoch, " is ", s,
                " (the model diverged; lower --lr)");
  const bool better = report_.best_epoch == 0 || (lower_is_better_ ? s < report_.best : s > report_.best);
  if (better) report_.best_epoch = epoch, report_.best = s, since_best_ = 0;
  return better;
}

bool EarlyStopper::replay(int done) {
  while (static_cast<int>(report_.curve.size()) < done) {
    const int e = static_cast<int>(report_.curve.size()) + 1;
    const auto it = recorded_.find(e);
    if (it == recorded_.end())
      throw error("early stopping: resuming after epoch ", done, ", but '", path_, "' has no score for epoch ", e);
    if (!take(e, it->second)) {
      ++since_best_;
    } else if (e == recorded_best_) {
      report_.chosen_options = recorded_choice_.options, report_.chosen_why = recorded_choice_.why;
    } else {  // the recorded best comes later, trained again, and chooses again
      report_.chosen_options.clear(), report_.chosen_why.clear();
    }
  }
  return since_best_ >= patience_;
}

bool EarlyStopper::after_epoch(int epoch) {
  replay(epoch - 1);  // epochs a resumed run did not train in this process: their scores as recorded
  const double s = score_();
  if (take(epoch, s)) {
    if (choose_) {
      ChosenOptions c = choose_();
      report_.chosen_options = std::move(c.options), report_.chosen_why = std::move(c.why);
    }
    if (keep_weights_) {
      const auto& params = store_->net().params();
      if (best_.empty())
        for (const Param* p : params) {
          const Tensor& w = store_->weights(*p);
          best_.emplace_back(store_->backend(), w.rows(), w.cols());
        }
      for (size_t i = 0; i < params.size(); ++i) best_[i].copy_from(store_->weights(*params[i]));
    }
  } else {
    ++since_best_;
  }
  if (writer_ && !path_.empty()) write_json(path_, to_json(report_));
  return since_best_ >= patience_;
}

void EarlyStopper::restore_best() {
  const auto& params = store_->net().params();
  for (size_t i = 0; i < best_.size(); ++i) store_->weights(*params[i]).copy_from(best_[i]);
}

void EarlyStopper::check_choice() const {
  if (choose_ && report_.best_epoch > 0 && report_.chosen_options.empty())
    throw error("early stopping: '", path_, "' records no choice of options for its best epoch (", report_.best_epoch,
                "), made by another version: start again without --resume or in a new --checkpoint-dir");
}

void save_selection(const std::string& path, const EarlyStopReport& r) { write_json(path, to_json(r)); }

std::optional<EarlyStopReport> load_selection(const std::string& path) {
  const auto j = read_json(path);
  if (!j) return std::nullopt;
  EarlyStopReport r;
  try {
    r.metric = j->at("metric").get<std::string>();
    r.best_epoch = j->at("best_epoch").get<int>();
    r.best = j->at("best").get<double>();
    r.lower_is_better = j->value("lower_is_better", false);
    r.epochs_run = j->at("epochs_run").get<int>();
    r.curve = j->at("curve").get<std::vector<double>>();
    r.refit = j->at("refit").get<bool>();
    r.chosen_options = j->value("chosen_options", std::map<std::string, std::string>{});
    r.chosen_why = j->value("chosen_why", std::string());
  } catch (const nlohmann::json::exception& e) {
    throw error("early stopping: '", path, "' is damaged: ", e.what());
  }
  if (r.best_epoch < 1) throw error("early stopping: '", path, "' chose no epoch");
  return r;
}

}  // namespace sr
