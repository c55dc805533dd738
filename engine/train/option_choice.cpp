#include "engine/train/option_choice.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "kernels/error.h"

namespace sr {

namespace {
std::string choice_file(const FitOptions& o, const std::string& name) {
  const std::string& dir = o.config.checkpoint.dir;
  return dir.empty() ? "" : dir + "/choice-" + name + ".json";
}

// The value a resumed run chose before it was stopped, if it got that far.
std::string load_choice(const std::string& path, const OptionChoice& choice) {
  std::ifstream in(path);
  if (!in) return "";
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  const auto value =
      j.is_object() && j.contains("value") && j["value"].is_string() ? j["value"].get<std::string>() : "";
  for (const std::string& c : choice.candidates)
    if (c == value) return value;
  throw error("option choice: '", path, "' is damaged or names no value of ", choice.name,
              ": start again without --resume or in a new --checkpoint-dir");
}

std::string score_text(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.4f", v);
  return s;
}
}  // namespace

ChosenFit fit_choosing(const OptionChoice& choice, const std::function<BuiltModel(const std::string&)>& build,
                       const TrainingData& data, Backend& be, const FitOptions& o) {
  SR_CHECK(o.early_stop_patience > 0 && !choice.candidates.empty(), "a choice on the validation part");
  const std::string file = choice_file(o, choice.name);
  if (o.config.checkpoint.resume && !file.empty()) {
    if (std::string value = load_choice(file, choice); !value.empty()) {
      if (o.on_phase) o.on_phase("resume: " + choice.name + "=" + value + " as chosen in '" + file + "'");
      return {fit_model(build(value), data, &be, o), value, choice.name + "=" + value + " (chosen before the resume)"};
    }
  }
  std::unique_ptr<TrainedModel> best;
  std::string value, why = choice.name + " chosen on the validation part:";
  for (const std::string& c : choice.candidates) {
    if (o.on_phase)
      o.on_phase("choosing " + choice.name + ": " + choice.name + "=" + c + ", early stopping on the validation part");
    FitOptions run = o;
    run.early_stop_refit = false;  // the best epoch's weights kept: the winner as it stands
    run.config.checkpoint = {};    // candidates are retrained after a kill; the choice file skips them
    run.config.checkpoint.writer = o.config.checkpoint.writer;
    std::unique_ptr<TrainedModel> t = fit_model(build(c), data, &be, run);
    const EarlyStopReport& r = t->early_stop;
    SR_CHECK(r.best_epoch > 0, "a candidate's early stopping scored an epoch");
    why += " " + c + " " + score_text(r.best) + " (epoch " + std::to_string(r.best_epoch) + ")";
    if (!best || (r.lower_is_better ? r.best < best->early_stop.best : r.best > best->early_stop.best))
      best = std::move(t), value = c;
  }
  why += "; " + best->early_stop.metric + ": " + choice.name + "=" + value;
  if (o.on_phase) o.on_phase(why);
  if (o.config.checkpoint.writer && !file.empty()) {
    std::filesystem::create_directories(o.config.checkpoint.dir);
    write_file_atomically(file, nlohmann::json{{"option", choice.name}, {"value", value}, {"why", why}}.dump() + "\n");
  }
  if (!o.early_stop_refit) return {std::move(best), value, why};
  FitOptions refit = o;
  refit.selection = best->early_stop;
  best.reset();  // its memory, before the refit's
  return {fit_model(build(value), data, &be, refit), value, why};
}

}  // namespace sr
