#include "engine/train/optimizer.h"

#include "engine/error.h"

namespace sr {

OptKind parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptKind::sgd;
  if (name == "adam") return OptKind::adam;
  if (name == "adagrad") return OptKind::adagrad;
  if (name == "rprop") return OptKind::rprop;
  throw error("unknown optimizer '", name, "' (known: sgd, adam, adagrad, rprop)");
}

const char* optimizer_name(OptKind k) {
  switch (k) {
    case OptKind::sgd: return "sgd";
    case OptKind::adam: return "adam";
    case OptKind::adagrad: return "adagrad";
    default: return "rprop";
  }
}

void Optimizer::ensure_state(Param& p) {
  if (config_.average > 0.0f && p.avg.empty()) {  // the average starts at the weights
    p.avg = Tensor(p.w.backend(), p.rows, p.cols);
    p.avg.copy_from(p.w);
  }
  if (!p.s1.empty()) return;
  Backend& be = p.w.backend();
  p.s1 = Tensor::zeros(be, p.rows, p.cols);
  p.s2 = Tensor::zeros(be, p.rows, p.cols);
  if (config_.kind == OptKind::rprop)  // Rprop's per-weight step sizes start at the learning rate
    p.s1.upload(std::vector<float>(static_cast<size_t>(p.rows * p.cols), config_.lr));
}

void Optimizer::step(const std::vector<Param*>& params) {
  ++steps_;
  for (Param* p : params) {
    ensure_state(*p);
    const bool lazy = config_.lazy && config_.kind != OptKind::rprop && p->row_sparse && p->touched_rows;
    OptArgs a;
    a.kind = config_.kind;
    a.rows = lazy ? p->n_touched : p->rows;
    a.width = p->cols;
    a.row_ids = lazy ? p->touched_rows : nullptr;
    a.w = p->w.data(), a.g = p->g.data(), a.s1 = p->s1.data(), a.s2 = p->s2.data();
    a.lr = config_.lr, a.momentum = config_.momentum, a.beta1 = config_.beta1, a.beta2 = config_.beta2;
    a.eps = config_.eps, a.weight_decay = p->regularized ? l2_ : 0.0f, a.step = steps_;
    a.consume_gradient = true;
    p->w.backend().optimizer_update(a);
    p->touched_rows = nullptr;
    p->n_touched = 0;
    if (config_.average > 0.0f)  // every row: an untouched row's average still moves toward it
      p->w.backend().axpby({p->rows * p->cols, 1.0f - config_.average, p->w.data(), config_.average, p->avg.data()});
  }
}

void Optimizer::use_average(const std::vector<Param*>& params) {
  if (config_.average <= 0.0f) return;
  for (Param* p : params) {
    ensure_state(*p);
    p->w.copy_from(p->avg);
  }
}

}  // namespace sr
