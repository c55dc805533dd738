// Successive halving (Jamieson & Talwalkar 2016; the synchronous form of ASHA, Li et al. 2020):
// every trial trains to the first rung's epochs, the best 1/eta go on to eta times as many, and so
// on up to the most epochs. A trial that goes on continues from its own checkpoint, so its run to
// the last rung costs what one run would. Each rung waits for all its runs before promoting,
// which makes the outcome the same for the same seed however many run side by side, and after a
// kill: every finished run is a line of the trial log, and a resumed search skips those.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sr::tune {

struct Schedule {
  std::vector<int> epochs;  // per rung: the epochs a trial has trained when it is scored
  std::vector<int> trials;  // per rung: how many trials run it
};
// Rungs of `max_epochs` / eta^k epochs, at most `max_rungs`, while that is at least 1 epoch and a
// rung keeps at least one trial; `max_epochs` 0 (a baseline: fitted once) gives one rung of 0
// epochs. (Few rungs: a run a ninth as long says little of a full-batch model's end.)
Schedule make_schedule(int max_epochs, int trials, int eta, int max_rungs = 3);

// One run of a trial to a rung: its score (higher is better: an RMSE enters negated), or failed
// with what the run said.
struct RunResult {
  int trial = 0, rung = 0, epochs = 0;
  bool ok = false;
  double score = 0.0;  // as the metric reads (an RMSE positive)
  double seconds = 0.0;
  std::string error;   // when not ok
  std::string config;  // the trial's settings, as text (for the log's reader)
  // Ended by a signal (the OOM killer, a Ctrl-C): not the trial's fault, so not logged; the search
  // stops at this rung and a resumed one runs it again.
  bool interrupted = false;
};

// The trial log: one JSON line per finished run, appended and flushed as each ends.
class TrialLog {
 public:
  // Reads what `path` holds (none when missing); a torn last line (killed mid-write) is cut off
  // the file, so that the next line starts clean.
  explicit TrialLog(std::string path);
  void append(const RunResult& r);  // safe from several threads
  std::optional<RunResult> find(int trial, int rung) const;
  std::vector<RunResult> runs() const;

 private:
  std::string path_;
  std::vector<RunResult> runs_;
  mutable std::mutex mutex_;
};

struct HalvingOptions {
  int parallel = 1;              // runs side by side
  double time_budget = 0.0;      // seconds; 0 none. No run starts after it; runs in flight finish
  bool lower_is_better = false;  // the metric's direction (RMSE)
};

// What the search found: the best run of the highest rung with a run that succeeded.
struct HalvingResult {
  std::optional<RunResult> best;
  int runs_done = 0, runs_skipped = 0;  // runs of this invocation; runs the budget left out of the rung it cut
  int runs_interrupted = 0;             // runs ended by a signal (run again on resume)
  bool complete = false;                // every rung ran to its end
};

// `run(trial, rung, epochs, slot)` trains trial `trial` to `epochs` epochs (slot < parallel: which
// of the side-by-side places, e.g. a GPU) and scores it; each result goes to the log, then to
// `progress`. An exception from `run` or the log stops the search and is rethrown.
HalvingResult successive_halving(const Schedule& s, TrialLog& log, const HalvingOptions& o,
                                 const std::function<RunResult(int trial, int rung, int epochs, int slot)>& run,
                                 const std::function<void(const RunResult&)>& progress);

}  // namespace sr::tune
