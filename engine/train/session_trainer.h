// Training session models (GRU4Rec) on session-parallel mini-batches: `lanes` sessions side by
// side (SessionBatcher), one click per lane per step, the GRU's state carried from step to step
// and cleared in a lane when its next session starts. A session net has two inputs:
//   "item"  the current click of each lane, one-hot (lanes x items)
//   "next"  what the step is scored against: with a full-softmax output (multinomial loss) the
//           next click one-hot; with a sampled output (ranking loss) a lanes x (lanes + n_sample)
//           pattern — every lane scores the batch's next clicks (in lane order) and the shared
//           popularity samples — whose value is 1 at the lane's own next click, 0 elsewhere.
#pragma once

#include <functional>
#include <vector>

#include "engine/data/sessions.h"
#include "engine/train/trainer.h"
#include "kernels/batch_fields.h"

namespace sr {

struct SessionInputs {
  Var item, next;
  static SessionInputs of(const Net& net);
};

// Negatives for the sampled output: n_sample items per step, shared by every lane, drawn with
// probability ∝ popularity^alpha (alpha 0: uniform, 1: popularity) — GRU4Rec's extra samples.
struct SessionSampling {
  int n_sample = 2048;
  float alpha = 0.75f;
};

class PopularitySampler {
 public:
  PopularitySampler(const std::vector<int64_t>& counts, float alpha);
  // n draws, the j-th from uniform01(seed, j): the same on every machine and thread count.
  void draw(uint64_t seed, int n, std::vector<int32_t>& out) const;

 private:
  std::vector<double> cumulative_;
  std::vector<int32_t> guide_;  // per bucket of [0, total): where its search starts
};

// The "next" input of a sampled output: row r scores `targets` (every lane's next click, in lane
// order) then `samples`, with value 1 at entry r (its own next click) and 0 elsewhere.
HostCsr sampled_next(const std::vector<int32_t>& targets, const std::vector<int32_t>& samples, int64_t n_items);
// One step's inputs from a SessionBatcher batch (`lanes`: ints {input, target, reset, session}):
// sparse batch 0 the inputs one-hot, 1 the "next" input as above (`samples` null: one-hot next
// clicks); the lanes that start a session follow, as the int field after the two batches' fields
// (uploaded with the batch) and in the shape after the two batches' shapes (on the host).
void encode_session_batch(const HostBatch& lanes, int64_t n_items, const std::vector<int32_t>* samples, HostBatch& out);
// The lanes that start a session, from the shape of an encoded session batch.
std::vector<int32_t> session_resets(const std::vector<int64_t>& shape);

// Trains on every session of `train` with config.batch_rows lanes for config.epochs epochs; the
// report's rate is in events (clicks trained on) per second.
void train_sessions(Exec& ex, const Sessions& train, const SessionSampling& sampling, const TrainConfig& config,
                    TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch);

// Trains a sequence net (NARM: inputs "clicks", "mask", "next"; see PrefixBatcher) on every
// prefix of every session of `train` — its last `steps` clicks — against the click that follows,
// config.batch_rows prefixes per batch, shuffled per epoch or in time order (PrefixBatcher). The
// rate is in events per second.
void train_prefixes(Exec& ex, const Sessions& train, int64_t steps, bool in_time_order, const TrainConfig& config,
                    TrainStep& step, const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace sr
