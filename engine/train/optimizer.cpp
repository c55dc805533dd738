#include "engine/train/optimizer.h"

#include "kernels/error.h"

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
    case OptKind::sgd:
      return "sgd";
    case OptKind::adam:
      return "adam";
    case OptKind::adagrad:
      return "adagrad";
    default:
      return "rprop";
  }
}

Optimizer::State& Optimizer::state(ParamStore& store, const Param& p) {
  if (!store_) store_ = &store;
  SR_CHECK(store_ == &store, "an optimizer's state belongs to the weights it first updated");
  if (state_.size() <= static_cast<size_t>(p.id)) state_.resize(static_cast<size_t>(p.id) + 1);
  State& s = state_[static_cast<size_t>(p.id)];
  const Tensor& w = store.weights(p);
  if (config_.average > 0.0f && s.avg.empty()) {  // the average starts at the weights
    s.avg = Tensor(w.backend(), p.rows, p.cols);
    s.avg.copy_from(w);
  }
  if (!s.s1.empty()) return s;
  Backend& be = w.backend();
  s.s1 = Tensor::zeros(be, p.rows, p.cols);
  s.s2 = Tensor::zeros(be, p.rows, p.cols);
  if (config_.kind == OptKind::rprop)  // Rprop's per-weight step sizes start at the learning rate
    s.s1.upload(std::vector<float>(static_cast<size_t>(p.rows * p.cols), config_.lr));
  return s;
}

void Optimizer::step(Exec& ex) {
  ++steps_;
  ParamStore& store = ex.params();
  for (const Param* p : ex.net().params()) {
    State& st = state(store, *p);
    Exec::Gradient& g = ex.gradient(*p);
    Tensor& w = store.weights(*p);
    const bool lazy = config_.lazy && config_.kind != OptKind::rprop && p->row_sparse && g.touched_rows;
    OptArgs a;
    a.kind = config_.kind;
    a.rows = lazy ? g.n_touched : p->rows;
    a.width = p->cols;
    a.row_ids = lazy ? g.touched_rows : nullptr;
    a.w = w.data(), a.g = g.g.data(), a.s1 = st.s1.data(), a.s2 = st.s2.data();
    a.lr = config_.lr, a.momentum = config_.momentum, a.beta1 = config_.beta1, a.beta2 = config_.beta2;
    a.eps = config_.eps, a.weight_decay = p->regularized ? l2_ : 0.0f, a.step = steps_;
    a.consume_gradient = true;
    w.backend().optimizer_update(a);
    g.touched_rows = nullptr;
    g.n_touched = 0;
    if (config_.average > 0.0f)  // every row: an untouched row's average still moves toward it
      w.backend().axpby({.n = p->rows * p->cols,
                         .a = 1.0f - config_.average,
                         .x = w.data(),
                         .b = config_.average,
                         .y = st.avg.data()});
  }
}

void Optimizer::use_average(ParamStore& store) {
  if (config_.average <= 0.0f) return;
  for (const Param* p : store.net().params()) store.weights(*p).copy_from(state(store, *p).avg);
}

}  // namespace sr
