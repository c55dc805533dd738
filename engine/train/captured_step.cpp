#include "engine/train/captured_step.h"

#include "kernels/error.h"

namespace sr {

CapturedStep::CapturedStep(TrainStep& step, Exec& ex, Optimizer& opt) : ex_(ex), opt_(opt) {
  if (opt.config().kind == OptKind::adam)
    throw error("graph capture of a training step: Adam's bias correction changes with every step, which a replay ",
                "would repeat (use sgd or adagrad, or train without capture)");
  Backend& be = ex.backend();
  const uint64_t draws = ex.draws().count();
  const int64_t steps = opt.steps(), updates = ex.updates();
  be.begin_capture();
  try {
    loss_ = step.run(ex, opt);
  } catch (...) {
    be.end_capture();  // close it (the graph and what it held go): the backend runs ops again
    opt.set_steps(steps), ex.set_updates(updates);
    throw;
  }
  graph_ = be.end_capture();
  opt.set_steps(steps), ex.set_updates(updates);  // the capture ran no step: replays count them
  if (ex.draws().count() != draws) {
    ex.forget_loss(loss_);
    throw error("graph capture of a training step of '", ex.net().name(),
                "': the step draws random numbers (dropout, corruption or sampling), whose seeds a replay would ",
                "repeat; train it without capture");
  }
}

CapturedStep::~CapturedStep() {
  graph_.reset();  // first: the loss's device buffers are the graph's to write until it is gone
  ex_.forget_loss(loss_);
}

LossTicket CapturedStep::replay() {
  graph_->replay();
  opt_.set_steps(opt_.steps() + 1);
  ex_.count_update();
  return ex_.replayed_loss(loss_);
}

}  // namespace sr
