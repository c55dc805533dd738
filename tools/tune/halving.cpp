#include "tools/tune/halving.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "kernels/error.h"

namespace sr::tune {

Schedule make_schedule(int max_epochs, int trials, int eta, int max_rungs) {
  SR_CHECK(trials >= 1 && eta >= 2 && max_epochs >= 0 && max_rungs >= 1, "make_schedule(", max_epochs, ", ", trials,
           ", ", eta, ", ", max_rungs, ")");
  Schedule s;
  if (max_epochs == 0) {
    s.epochs = {0}, s.trials = {trials};
    return s;
  }
  int rungs = 1;
  for (int64_t div = eta; rungs < max_rungs && max_epochs / div >= 1 && trials / div >= 1; div *= eta) ++rungs;
  int64_t div = 1;
  for (int k = 1; k < rungs; ++k) div *= eta;
  int64_t keep = 1;
  for (int k = 0; k < rungs; ++k, div /= eta, keep *= eta) {
    s.epochs.push_back(static_cast<int>(std::max<int64_t>(1, (max_epochs + div / 2) / div)));
    s.trials.push_back(static_cast<int>(std::max<int64_t>(1, trials / keep)));
  }
  return s;
}

TrialLog::TrialLog(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (end < text.size()) std::filesystem::resize_file(path_, end);  // a line torn by a kill
  std::istringstream lines(text.substr(0, end));
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) throw error("the trial log '", path_, "' is damaged: '", line.substr(0, 80), "'");
    RunResult r;
    r.trial = j.value("trial", -1), r.rung = j.value("rung", -1), r.epochs = j.value("epochs", 0);
    r.ok = j.value("ok", false), r.score = j.value("score", 0.0), r.seconds = j.value("seconds", 0.0);
    r.error = j.value("error", ""), r.config = j.value("config", "");
    if (r.trial < 0 || r.rung < 0) throw error("the trial log '", path_, "' has a line of no run: '", line, "'");
    runs_.push_back(r);
  }
}

void TrialLog::append(const RunResult& r) {
  nlohmann::json j;
  j["trial"] = r.trial, j["rung"] = r.rung, j["epochs"] = r.epochs, j["ok"] = r.ok;
  if (r.ok) j["score"] = r.score;
  if (!r.ok) j["error"] = r.error;
  j["seconds"] = r.seconds, j["config"] = r.config;
  const std::string line = j.dump() + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::FILE* f = std::fopen(path_.c_str(), "ae");  // close-on-exec: never inherited by a run
  if (!f || std::fwrite(line.data(), 1, line.size(), f) != line.size() || std::fflush(f) != 0) {
    if (f) std::fclose(f);
    throw error("the trial log '", path_, "' cannot be written");
  }
  std::fclose(f);
  runs_.push_back(r);
}

std::optional<RunResult> TrialLog::find(int trial, int rung) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& r : runs_)
    if (r.trial == trial && r.rung == rung) return r;
  return std::nullopt;
}

std::vector<RunResult> TrialLog::runs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return runs_;
}

namespace {
// Trials ranked best first by their run at `rung`: failed runs last, ties by trial number.
std::vector<int> ranked(const TrialLog& log, const std::vector<int>& trials, int rung, bool lower_is_better) {
  std::vector<int> out = trials;
  auto key = [&](int t) {
    const std::optional<RunResult> r = log.find(t, rung);
    return r && r->ok ? (lower_is_better ? r->score : -r->score) : INFINITY;
  };
  std::stable_sort(out.begin(), out.end(), [&](int a, int b) { return key(a) < key(b); });
  return out;
}
}  // namespace

HalvingResult successive_halving(const Schedule& s, TrialLog& log, const HalvingOptions& o,
                                 const std::function<RunResult(int, int, int, int)>& run,
                                 const std::function<void(const RunResult&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  auto over_budget = [&] {
    return o.time_budget > 0.0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= o.time_budget;
  };
  HalvingResult result;
  std::vector<int> trials(static_cast<size_t>(s.trials[0]));
  for (int t = 0; t < s.trials[0]; ++t) trials[t] = t;
  int reached = -1;  // the highest rung with a run
  for (size_t rung = 0; rung < s.epochs.size(); ++rung) {
    if (rung > 0) {  // the best of the rung below go on
      trials = ranked(log, trials, static_cast<int>(rung) - 1, o.lower_is_better);
      size_t ok = 0;  // a failed run goes no further
      for (std::optional<RunResult> r;
           ok < trials.size() && (r = log.find(trials[ok], static_cast<int>(rung) - 1)) && r->ok;)
        ++ok;
      trials.resize(std::min(ok, static_cast<size_t>(s.trials[rung])));
      if (trials.empty()) break;
    }
    std::vector<int> pending;
    for (int t : trials)
      if (!log.find(t, static_cast<int>(rung))) pending.push_back(t);
    std::atomic<size_t> next{0};
    std::atomic<int> done{0}, skipped{0}, interrupted{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto worker = [&](int slot) {
      for (size_t i; (i = next++) < pending.size();) {
        if (over_budget()) {
          ++skipped;
          continue;
        }
        try {
          RunResult r = run(pending[i], static_cast<int>(rung), s.epochs[rung], slot);
          if (r.interrupted) {
            ++interrupted;
          } else {
            log.append(r);
            ++done;
          }
          if (progress) progress(r);
        } catch (...) {  // a run that could not start, a log that cannot be written: stop
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
          next = pending.size();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int slot = 0; slot < std::min<int>(o.parallel, static_cast<int>(pending.size())); ++slot)
      pool.emplace_back(worker, slot);
    for (auto& th : pool) th.join();
    if (failure) std::rethrow_exception(failure);
    result.runs_done += done, result.runs_skipped += skipped, result.runs_interrupted += interrupted;
    bool any = false;
    for (int t : trials) any = any || log.find(t, static_cast<int>(rung));
    if (any) reached = static_cast<int>(rung);
    if (skipped > 0 || interrupted > 0) break;  // a rung not run to its end promotes nobody
    if (rung + 1 == s.epochs.size()) result.complete = true;
  }
  // The best run of the highest rung where one succeeded (a last rung whose runs all failed does
  // not hide the rungs below it).
  std::vector<int> all(static_cast<size_t>(s.trials[0]));
  for (int t = 0; t < s.trials[0]; ++t) all[t] = t;
  for (int rung = reached; rung >= 0 && !result.best; --rung) {
    const std::optional<RunResult> r = log.find(ranked(log, all, rung, o.lower_is_better).front(), rung);
    if (r && r->ok) result.best = r;
  }
  return result;
}

}  // namespace sr::tune
