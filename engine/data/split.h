// Seeded, reproducible splits of a dataset, one per protocol of BENCHMARKS.md. A split gives
// every event (in dataset order) a part; the same seed gives the same split bit for bit on every
// machine (splitmix64 and selection sampling: no library shuffle, no dependence on thread count).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/dataset.h"
#include "kernels/csr.h"

namespace sr {

enum class Part : uint8_t {
  train = 0,
  test = 1,         // the held-out targets
  valid = 2,        // validation targets, carved from training: tuning never sees test
  test_foldin = 3,  // held-out users' events given to the model as input (Mult-VAE protocol)
  valid_foldin = 4,
  dropped = 5,  // in no part (e.g. a test click on an item never seen in training)
};
const char* part_name(Part p);

struct Split {
  std::vector<uint8_t> part;  // a Part per event
  int64_t count(Part p) const;
  std::vector<int64_t> events(Part p) const;  // the event indices of part p, increasing
};

// Rating prediction: exactly round(f·n) events, uniformly at random, go to test.
Split random_holdout(int64_t n_events, double test_fraction, uint64_t seed);
// Moves round(f·|train|) training events, uniformly at random, to `valid`.
void carve_validation(Split& s, double fraction, uint64_t seed);
// Moves every `valid` event back to `train` (what a model refitted after early stopping trained on).
void merge_validation(Split& s);

// Top-N: each user's latest event (time order, ties to the later input line) is the test target,
// the one before it the validation target when `validation` is set. A user with one event keeps
// it in training; one with two has a test target but no validation target, so that the test
// targets are the same with and without a validation part (early stopping must not change them).
Split leave_one_out(const Dataset& d, bool validation);
// The validation target of leave-one-out on a split made otherwise (files): each user's latest
// training event (row order: time, ties to the later line) goes to `valid` when the user has at
// least two, so every user keeps a training event.
void carve_latest_validation(const Dataset& d, Split& s);

// Mult-VAE: `n_heldout` users (seeded) are test users and, when `validation`, `n_heldout` more are
// validation users; of each held-out user with at least 5 events, floor(target_fraction·n) chosen
// at random are targets, the rest fold-in input (fewer than 5: all fold-in). Held-out events on
// items no training user has are dropped, as in the paper's code.
Split heldout_users(const Dataset& d, int64_t n_heldout, double target_fraction, uint64_t seed, bool validation);

// GRU4Rec: sessions (rows) that end within the last `test_days` before the data's last event are
// test sessions. Their clicks on items absent from training are dropped, and a test session left
// with fewer than 2 clicks is dropped whole. Needs timestamps.
Split session_time_split(const Dataset& d, double test_days);

// NCF evaluation: for every user, `per_user` distinct items the user never interacted with (in
// any part), row-major [n_users × per_user]; seeded per user, so independent of thread count.
std::vector<int32_t> sample_negatives(const Dataset& d, int per_user, uint64_t seed);

// Which dimension a model takes as rows: users (U-AutoRec, CDAE, ...) or items (I-AutoRec).
enum class RowsAre { users, items };

// The events of part `p` as a CSR (values: the ratings, or 1 for clicks), rows = users or items;
// columns increasing within a row.
HostCsr part_matrix(const Dataset& d, const Split& s, Part p, RowsAre rows);
// The same over an explicit list of events (increasing).
HostCsr events_matrix(const Dataset& d, const std::vector<int64_t>& events, RowsAre rows);

double mean_rating(const Dataset& d, const Split& s, Part p);

}  // namespace sr
