// sparserec tune: a hyperparameter search for one model of `train`, `topn` or `session`, on the
// validation part only (the command's own --validate: a random share of the training ratings, each
// user's second latest interaction, the latest tenth of the training sessions), by successive
// halving over configurations drawn from the model's declared options (tools/tune/). Every run is a
// child process of this program, `--parallel` side by side; every finished run is a line of
// DIR/trials.jsonl, so a killed search resumes where it stopped (`--resume`); the best settings go
// to DIR/best.json, which `train|topn|session --options-file` reads.
//   sparserec tune --dir t --trials 27 --parallel 2 -- train --data u.data --model autorec
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "engine/io/atomic_file.h"
#include "engine/io/file_lock.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/options_file.h"
#include "tools/cli/output.h"
#include "tools/tune/halving.h"
#include "tools/tune/search_space.h"
#include "tools/tune/trial_process.h"

namespace sr::cli {

namespace {
namespace fs = std::filesystem;
using tune::Dimension;
using tune::RunResult;
using tune::TrialConfig;

struct Args {
  std::string dir;
  int trials = 16, eta = 3, rungs = 3;
  std::optional<int> parallel;  // default: one per --devices entry, else 1
  double time_budget = 0.0;
  uint64_t seed = 1;
  std::vector<std::string> space, devices, run;
  bool resume = false;
};

// The command line of the runs, as given after `--`, and what tune reads from it.
struct RunLine {
  std::string command;  // train, topn, session
  Task task = Task::ratings;
  std::string model;
  std::map<std::string, std::string> fixed_options;  // key=value given: not searched
  std::map<std::string, std::string> fixed_flags;    // lr, batch given: not searched (name -> value)
  std::optional<int> epochs;
  bool has_device = false;
  std::vector<std::string> args;  // the run's command line without --epochs (each rung sets its own)
};

bool is_option_token(const std::string& t) {
  const auto eq = t.find('=');
  if (eq == std::string::npos || eq == 0 || t[0] == '-') return false;
  return std::all_of(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(eq),
                     [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(c) || c == '_'; });
}

RunLine read_run_line(const std::vector<std::string>& run) {
  if (run.empty()) throw error("tune: give the run after --, e.g. -- train --data u.data --model autorec");
  RunLine r;
  r.command = run[0];
  if (r.command == "train")
    r.task = Task::ratings;
  else if (r.command == "topn")
    r.task = Task::topn;
  else if (r.command == "session")
    r.task = Task::sessions;
  else
    throw error("tune: the run after -- must be a train, topn or session command, got '", r.command, "'");
  static const std::set<std::string> owned = {"--validate", "--early-stop", "--early-stop-mode", "--checkpoint-dir",
                                              "--resume",   "--save",       "--checkpoint-every"};
  static const std::set<std::string> refused = {"--options-file", "--profile-steps"};
  std::vector<std::string> options;
  r.args.push_back(run[0]);
  for (size_t i = 1; i < run.size(); ++i) {
    const std::string& t = run[i];
    r.args.push_back(t);
    const std::string name = t.substr(0, t.find('='));
    const bool inline_value = t.find('=') != std::string::npos;
    auto value = [&]() -> std::string {
      if (inline_value) return t.substr(t.find('=') + 1);
      if (i + 1 >= run.size()) throw error("tune: ", t, " in the run has no value");
      r.args.push_back(run[i + 1]);
      return run[++i];
    };
    if (owned.count(name))
      throw error("tune: ", name, " in the run: tune sets it itself (each run validates, checkpoints and continues)");
    if (refused.count(name))
      throw error("tune: ", name, " in the run: a search trains and scores; give fixed options as key=value");
    if (name == "--model") {
      r.model = value();
    } else if (name == "--lr" || name == "--batch") {
      r.fixed_flags[name.substr(2)] = value();
    } else if (name == "--epochs") {
      const std::string v = value();
      r.args.resize(r.args.size() - (inline_value ? 1 : 2));  // each rung sets its own
      char* end = nullptr;
      const long e = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || e < 1 || e > 1000000) throw error("tune: --epochs must be >= 1, got '", v, "'");
      r.epochs = static_cast<int>(e);
    } else if (name == "--device") {
      r.has_device = true;
    } else if (is_option_token(t)) {
      options.push_back(t);
    }
  }
  if (r.model.empty()) throw error("tune: the run names no --model");
  r.fixed_options = parse_key_values(options);
  return r;
}

// The search's identity: what must be the same for --resume to continue it.
nlohmann::json definition(const Args& a, const std::vector<Dimension>& space, const tune::Schedule& s) {
  nlohmann::json j;
  j["run"] = a.run, j["trials"] = a.trials, j["eta"] = a.eta, j["seed"] = a.seed, j["rungs"] = a.rungs;
  std::vector<std::string> dims;
  for (const auto& d : space) dims.push_back(d.text());
  j["space"] = dims, j["rung_epochs"] = s.epochs, j["rung_trials"] = s.trials;
  return j;
}

// Creates DIR or checks that it holds this very search (--resume); refuses another one.
void prepare_directory(const Args& a, const nlohmann::json& def) {
  const fs::path def_path = fs::path(a.dir) / "tune.json";
  if (fs::exists(def_path)) {
    if (!a.resume) throw error("tune: '", a.dir, "' holds a search already: --resume to continue it, or another --dir");
    std::ifstream in(def_path);
    const nlohmann::json old = nlohmann::json::parse(in, nullptr, false);
    if (old.is_discarded()) throw error("tune: '", def_path.string(), "' is not a search definition");
    for (const char* key :
         {"run", "trials", "eta", "rungs", "seed", "space", "rung_epochs", "rung_trials"})  // causes first
      if (!old.contains(key) || old[key] != def[key])
        throw error("tune --resume: '", a.dir, "' holds another search (", key, " was ",
                    old.contains(key) ? old[key].dump() : "absent", ", now ", def[key].dump(), ")");
    return;
  }
  if (fs::exists(fs::path(a.dir) / "trials.jsonl"))
    throw error("tune: '", a.dir, "' has a trial log but no tune.json: not a search this program can continue");
  fs::create_directories(fs::path(a.dir) / "trials");
  write_file_atomically(def_path.string(), def.dump(2) + "\n");
}

std::string trial_name(int t) {
  char b[32];
  std::snprintf(b, sizeof b, "t%03d", t);
  return b;
}

void check_args(const Args& a, int parallel) {
  if (a.dir.empty()) throw error("tune: --dir is required (the search's log, checkpoints and best options)");
  check_positive("--trials", a.trials);
  check_positive("--parallel", parallel);
  check_positive("--rungs", a.rungs);
  if (a.eta < 2) throw error("--eta must be >= 2 (the share of trials kept each rung is 1/eta), got ", a.eta);
  if (!(a.time_budget >= 0.0) || !std::isfinite(a.time_budget))
    throw error("--time-budget must be a number of seconds >= 0 (0: none), got ", a.time_budget);
}

// The model's declared ranges, learning rate and batch, less what the run fixes, with --space's
// dimensions in place of the defaults.
std::vector<Dimension> search_space(const Args& a, const RunLine& line, const ModelEntry& entry,
                                    const BuiltModel& probe) {
  std::set<std::string> fixed;
  for (const auto& [k, v] : line.fixed_flags) fixed.insert(k);
  for (const auto& [k, v] : line.fixed_options) fixed.insert(k);
  std::vector<Dimension> space = tune::default_space(entry, probe.defaults, fixed);
  for (const auto& text : a.space) {
    Dimension d = tune::parse_dimension(text, entry);
    if (fixed.count(d.name)) throw error("--space ", text, ": ", d.name, " is fixed by the run's command line");
    tune::set_dimension(space, std::move(d));
  }
  if (space.empty())
    throw error("tune: nothing to search: model ", entry.name, " has no option, learning rate or batch left free",
                line.fixed_options.empty() ? "" : " (the run fixes its options)");
  return space;
}

// What a search scores: the validation RMSE of a rating model (lower is better), else Recall@20.
struct Metric {
  explicit Metric(Task task)
      : lower_is_better(task == Task::ratings),
        key(lower_is_better ? "validation_rmse" : "recall20"),
        name(lower_is_better ? "validation RMSE" : "validation Recall@20") {}
  bool lower_is_better;
  const char* key;
  std::string name;
  bool better(double a, double b) const { return lower_is_better ? a < b : a > b; }
};

// Runs one trial's rung as a child process of this program (the run's command line with the
// trial's options, --validate, the rung's epochs and, where the trial continues rung to rung, its
// checkpoints) and reads its score from the JSON line it ends with.
class TrialLauncher {
 public:
  TrialLauncher(const Args& a, const RunLine& line, const ModelEntry& entry, const std::vector<TrialConfig>& configs,
                int parallel, Metric metric)
      : a_(a), line_(line), entry_(entry), configs_(configs), metric_(std::move(metric)) {
    // A trial continues rung to rung from its checkpoint unless its run's epochs shape the schedule:
    // RBM-CF's CD-k rises over the run's epochs, NeuMF pretrains its parts for them. Those run each
    // rung from the start.
    for (const TrialConfig& c : configs) {
      std::map<std::string, std::string> o = line.fixed_options;
      o.insert(c.options.begin(), c.options.end());
      const BuiltModel b = build_model(entry, o, 1, 1);
      continues_.push_back(!b.make_step && !b.pretrain_parts);
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (!std::getenv("OPENBLAS_NUM_THREADS"))  // the cores shared by the runs side by side
      env_["OPENBLAS_NUM_THREADS"] = std::to_string(std::max(1u, cores / static_cast<unsigned>(parallel)));
  }

  RunResult operator()(int trial, int rung, int epochs, int slot) const {
    const TrialConfig& c = configs_[static_cast<size_t>(trial)];
    const fs::path tdir = fs::path(a_.dir) / "trials" / trial_name(trial);
    fs::create_directories(tdir);
    const tune::ProcessResult p =
        tune::run_process(argv(trial, epochs, slot, tdir), env_, (tdir / "stderr.log").string());
    RunResult r;
    r.trial = trial, r.rung = rung, r.epochs = epochs, r.seconds = p.seconds, r.config = c.text();
    const nlohmann::json j = nlohmann::json::parse(p.last_line, nullptr, false);
    if (p.signal != 0) {  // not the trial's doing (the OOM killer, a Ctrl-C): run again on resume
      r.interrupted = true;
      r.error = "ended by signal " + std::to_string(p.signal) + " (not logged: --resume runs it again)";
    } else if (p.exit_code == 0 && !j.is_discarded() && j.contains(metric_.key) && j[metric_.key].is_number() &&
               std::isfinite(j[metric_.key].get<double>())) {
      r.ok = true, r.score = j[metric_.key].get<double>();
    } else {
      r.error = p.exit_code == 0 ? "no " + std::string(metric_.key) + " in its result" : p.last_error;
      if (r.error.empty()) r.error = "exit code " + std::to_string(p.exit_code);
    }
    return r;
  }

 private:
  std::vector<std::string> argv(int trial, int epochs, int slot, const fs::path& tdir) const {
    const TrialConfig& c = configs_[static_cast<size_t>(trial)];
    std::vector<std::string> v = {program_};
    v.insert(v.end(), line_.args.begin(), line_.args.end());
    for (const auto& [k, x] : c.options) v.push_back(k + "=" + x);
    v.push_back("--validate");
    if (line_.task == Task::ratings) v.push_back("0.1");
    if (!entry_.baseline) {
      v.insert(v.end(), {"--early-stop", "0", "--epochs", std::to_string(epochs)});
      if (continues_[static_cast<size_t>(trial)])
        v.insert(v.end(), {"--checkpoint-dir", (tdir / "checkpoints").string(), "--resume"});
      if (c.lr) {
        char lr[32];
        std::snprintf(lr, sizeof lr, "%.9g", *c.lr);  // every digit of the float drawn
        v.insert(v.end(), {"--lr", lr});
      }
      if (c.batch) v.insert(v.end(), {"--batch", std::to_string(*c.batch)});
    }
    if (!a_.devices.empty()) v.insert(v.end(), {"--device", a_.devices[static_cast<size_t>(slot) % a_.devices.size()]});
    return v;
  }

  const Args& a_;
  const RunLine& line_;
  const ModelEntry& entry_;
  const std::vector<TrialConfig>& configs_;
  Metric metric_;
  std::vector<bool> continues_;
  std::map<std::string, std::string> env_;
  std::string program_ = tune::self_program();
};

// A line per finished run on stderr, with the best of the highest rung reached so far.
class Progress {
 public:
  Progress(Metric metric, size_t rungs) : metric_(std::move(metric)), rungs_(rungs) {}
  void operator()(const RunResult& r) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (r.ok && (!best_ || r.rung > best_->rung || (r.rung == best_->rung && metric_.better(r.score, best_->score))))
      best_ = r;
    if (r.ok)
      std::fprintf(
          stderr, "tune: rung %d/%zu (%d epochs) trial %d: %s %.4f  (%.1f s)  %s  | best at this rung: trial %d %.4f\n",
          r.rung + 1, rungs_, r.epochs, r.trial, metric_.name.c_str(), r.score, r.seconds, r.config.c_str(),
          best_->trial, best_->score);
    else
      std::fprintf(stderr, "tune: rung %d/%zu (%d epochs) trial %d failed: %s  (%s)\n", r.rung + 1, rungs_, r.epochs,
                   r.trial, r.error.c_str(), r.config.c_str());
  }

 private:
  Metric metric_;
  size_t rungs_;
  std::mutex mutex_;
  std::optional<RunResult> best_;
};

// DIR/best.json for `--options-file`: the best run's options, learning rate, batch and epochs.
std::string write_best(const Args& a, const RunLine& line, const ModelEntry& entry, const TrialConfig& c,
                       const RunResult& b, const Metric& metric, bool complete) {
  OptionsFile f;
  f.command = line.command, f.model = entry.name, f.options = line.fixed_options;
  for (const auto& [k, v] : c.options) f.options[k] = v;
  f.lr = c.lr, f.batch = c.batch;  // drawn, or as the run fixed them
  if (line.fixed_flags.count("lr")) f.lr = std::strtof(line.fixed_flags.at("lr").c_str(), nullptr);
  if (line.fixed_flags.count("batch")) f.batch = std::strtoll(line.fixed_flags.at("batch").c_str(), nullptr, 10);
  if (!entry.baseline) f.epochs = b.epochs;
  // The whole run line too: its other flags (--optimizer, --seed, ...) are the user's to repeat.
  f.about = {{"metric", metric.key}, {"score", b.score}, {"trial", b.trial}, {"rung", b.rung},
             {"complete", complete}, {"search", a.dir},  {"run", a.run}};
  const std::string path = (fs::path(a.dir) / "best.json").string();
  write_options_file(path, f);
  return path;
}

void run_tune(const Args& a) {
  const int parallel = a.parallel.value_or(a.devices.empty() ? 1 : static_cast<int>(a.devices.size()));
  check_args(a, parallel);
  const RunLine line = read_run_line(a.run);
  if (line.has_device && !a.devices.empty()) throw error("tune: --devices and a --device in the run: give one of them");
  const ModelEntry& entry = find_model(line.model, line.task);
  const BuiltModel probe = build_model(entry, line.fixed_options, 1, 1);  // refuses the run's options
  const std::vector<Dimension> space = search_space(a, line, entry, probe);
  const int max_epochs = entry.baseline ? 0 : line.epochs.value_or(probe.defaults.epochs);
  const tune::Schedule schedule = tune::make_schedule(max_epochs, a.trials, a.eta, a.rungs);
  const nlohmann::json def = definition(a, space, schedule);
  if (fs::exists(a.dir) && !fs::is_directory(a.dir)) throw error("tune: --dir '", a.dir, "' is not a directory");
  if (a.resume && !fs::exists(fs::path(a.dir) / "tune.json"))
    throw error("tune --resume: '", a.dir, "' holds no search to continue (no tune.json)");
  fs::create_directories(a.dir);
  FileLock lock((fs::path(a.dir) / "tune.lock").string(), "another tune");
  prepare_directory(a, def);

  // Trial 0 is the model's defaults (with the run's fixed options): the search never ends below
  // what it was asked to improve on. The others are drawn.
  std::vector<TrialConfig> configs = {TrialConfig{}};
  for (TrialConfig& c : tune::sample_configs(space, a.trials - 1, a.seed, &entry, line.fixed_options))
    configs.push_back(std::move(c));
  const Metric metric(line.task);
  std::fprintf(stderr, "tune: %s %s, %d trials, rungs of", line.command.c_str(), entry.name.c_str(), a.trials);
  for (size_t k = 0; k < schedule.epochs.size(); ++k)
    std::fprintf(stderr, " %d x %d epochs", schedule.trials[k], schedule.epochs[k]);
  std::fprintf(stderr, "; %d side by side; %s\n", parallel, metric.name.c_str());
  for (const auto& d : space) std::fprintf(stderr, "  %s\n", d.text().c_str());

  const TrialLauncher launch(a, line, entry, configs, parallel, metric);
  Progress progress(metric, schedule.epochs.size());
  tune::TrialLog log((fs::path(a.dir) / "trials.jsonl").string());
  if (!log.runs().empty())
    std::fprintf(stderr, "tune: resuming: %zu runs already in the trial log\n", log.runs().size());
  tune::HalvingOptions ho;
  ho.parallel = parallel, ho.time_budget = a.time_budget, ho.lower_is_better = metric.lower_is_better;
  const auto t0 = std::chrono::steady_clock::now();
  const tune::HalvingResult res = tune::successive_halving(
      schedule, log, ho, [&launch](int t, int r, int e, int s) { return launch(t, r, e, s); },
      [&progress](const RunResult& r) { progress(r); });
  const double seconds = seconds_since(t0);

  nlohmann::json j;
  j["command"] = "tune", j["run"] = line.command, j["model"] = entry.name, j["metric"] = metric.key;
  j["runs"] = res.runs_done, j["runs_skipped_by_budget"] = res.runs_skipped, j["complete"] = res.complete;
  j["runs_interrupted"] = res.runs_interrupted;
  j["seconds"] = seconds;
  if (!res.best) {
    j["best"] = nullptr;
    print_result(j);
    throw error("tune: no run succeeded",
                res.runs_interrupted > 0 ? " (some were ended by a signal: --resume runs them again)"
                : res.runs_skipped > 0   ? " within the time budget"
                                         : "",
                " (see ", a.dir, "/trials/*/stderr.log)");
  }
  const RunResult& b = *res.best;
  const TrialConfig& c = configs[static_cast<size_t>(b.trial)];
  const std::string best_path = write_best(a, line, entry, c, b, metric, res.complete);
  std::fprintf(stderr, "tune: best %s %.4f: trial %d after %d epochs: %s -> %s\n", metric.name.c_str(), b.score,
               b.trial, b.epochs, c.text().c_str(), best_path.c_str());
  j["best"] = {{"trial", b.trial}, {"epochs", b.epochs}, {"score", b.score}, {"config", c.text()}};
  if (res.complete)  // the checkpoints of trials that went no further are of no more use
    for (int t = 0; t < a.trials; ++t)
      if (t != b.trial) fs::remove_all(fs::path(a.dir) / "trials" / trial_name(t) / "checkpoints");
  j["options_file"] = best_path;
  print_result(j);
}
}  // namespace

void add_tune_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "tune", "search a model's options, learning rate and batch on the validation part (successive halving)");
  sub->add_option("--dir", a->dir, "the search's directory: tune.json, trials.jsonl, trials/, best.json")->required();
  sub->add_option("--trials", a->trials, "configurations drawn")->capture_default_str();
  sub->add_option("--eta", a->eta, "each rung keeps the best 1/eta and trains them eta times as long")
      ->capture_default_str();
  sub->add_option("--rungs", a->rungs, "at most this many rungs (the last at the run's --epochs)")
      ->capture_default_str();
  sub->add_option("--parallel", a->parallel, "runs side by side (default: one per --devices entry, else 1)");
  sub->add_option("--devices", a->devices, "a --device per side-by-side place, e.g. cuda:0,cuda:1")
      ->delimiter(',')
      ->allow_extra_args(false);
  sub->add_option("--time-budget", a->time_budget, "seconds; no run starts after it (0: none)")->capture_default_str();
  sub->add_option("--seed", a->seed, "seed of the configurations drawn")->check(seed_check())->capture_default_str();
  sub->add_option("--space", a->space,
                  "a dimension to search instead of its default range: name=lo:hi, name=lo:hi:log or name=a|b|c "
                  "(repeat the flag for more)")
      ->allow_extra_args(false);
  sub->add_flag("--resume", a->resume, "continue the search in --dir (finished runs are not run again)");
  sub->add_option("run", a->run, "after --: the train, topn or session command line of the runs")->required();
  sub->callback([a] { run_tune(*a); });
}

}  // namespace sr::cli
