// A training step captured once as a graph (Backend::Graph) and replayed: a CUDA graph launch in
// place of a step's tens of kernel launches, for steps whose shapes repeat (issue 20: DLRM-style
// graphs for session-parallel GRU4Rec lanes, NCF triples, fixed-size row batches). A replay repeats
// every host-side argument of the captured step, so capture is refused — with an error naming the
// reason — for a step whose arguments change from step to step: one that draws random numbers
// (dropout, corruption, sampling: the seeds would repeat), and Adam, whose bias correction moves
// with the step count. What the caller keeps: the batch bound in the executor, the same buffers
// refilled in place (Backend::copy) before each replay; the executor's state (no rebinding to
// other shapes, no new epoch's state); the learning rate (a new rate is a new capture).
#pragma once

#include <memory>

#include "engine/train/trainer.h"

namespace sr {

class CapturedStep {
 public:
  // Captures step.run(ex, opt) on the batch bound in `ex`. Nothing trains during the capture (a
  // GPU records, it does not run): the first replay is the first captured step. Capture after at
  // least one direct step on the same shapes, so that the state it allocates once (optimizer
  // moments, the layers' buffers) already exists: a capture that would upload it is refused.
  CapturedStep(TrainStep& step, Exec& ex, Optimizer& opt);
  ~CapturedStep();
  CapturedStep(const CapturedStep&) = delete;
  CapturedStep& operator=(const CapturedStep&) = delete;

  // One training step: the graph, then the loss's download (a ticket, read as TrainStep::run's).
  LossTicket replay();
  int64_t ops() const { return graph_->ops(); }
  int64_t launches() const { return graph_->launches(); }

 private:
  Exec& ex_;
  Optimizer& opt_;
  std::unique_ptr<Backend::Graph> graph_;
  LossTicket loss_;
};

}  // namespace sr
