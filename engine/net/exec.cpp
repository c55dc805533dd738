#include "engine/net/exec.h"

#include <algorithm>

#include "kernels/error.h"

namespace sr {

Exec::Exec(Net& net, Backend& be, uint64_t seed)
    : net_(net),
      be_(be),
      own_params_(std::make_unique<ParamStore>(net, be, seed)),
      params_(own_params_.get()),
      draws_(seed),
      constants_(be),
      state_(be),
      losses_(be) {
  slots_.resize(net.vars().size());
  gradients_.resize(net.params().size());
}

Exec::Exec(Net& net, ParamStore& params, uint64_t seed)
    : net_(net),
      be_(params.backend()),
      params_(&params),
      draws_(seed),
      constants_(params.backend()),
      state_(params.backend()),
      losses_(params.backend()) {
  if (&params.net() != &net) throw error("model '", net.name(), "': the parameter store belongs to another net");
  slots_.resize(net.vars().size());
  gradients_.resize(net.params().size());
}

Exec::Exec(Net& net, std::unique_ptr<ParamStore> params, uint64_t seed) : Exec(net, *params, seed) {
  own_params_ = std::move(params);
}

Exec::Gradient& Exec::gradient(const Param& p) {
  Gradient& g = gradients_.at(static_cast<size_t>(p.id));
  if (g.g.empty()) g.g = Tensor::zeros(be_, p.rows, p.cols);
  return g;
}

void Exec::reset_state(const LaneResets& rows) {
  if (rows.n == 0) return;
  for (const auto& layer : net_.layers()) layer->reset_state(*this, rows);
}

void Exec::reset_state(const std::vector<int32_t>& rows) {
  if (rows.empty()) return;
  const IndexArray device = IndexArray::from_host(be_, rows);
  reset_state(LaneResets{rows.data(), device.data(), static_cast<int64_t>(rows.size())});
}

void Exec::bind(Var v, const SparseBatch* batch) {
  const VarInfo& info = net_.var(v);
  if (!info.is_input) throw error("model '", net_.name(), "': '", info.name, "' is not an input");
  if (batch->cols() != info.width)
    throw error("model '", net_.name(), "', input '", info.name, "': batch has ", batch->cols(),
                " columns, the input has width ", info.width);
  Slot& s = slot(v);
  s.pattern = batch;
  s.rows = batch->rows();
  s.values = batch->values();
}

void Exec::query(Var v, const SparseBatch* pattern) {
  const VarInfo& info = net_.var(v);
  if (pattern->cols() != info.width)
    throw error("model '", net_.name(), "', output '", info.name, "': query pattern has ", pattern->cols(),
                " columns, the output has width ", info.width);
  queries_[v.id] = pattern;
}

const SparseBatch* Exec::pattern_for(Var v) {
  auto q = queries_.find(v.id);
  if (q != queries_.end()) return q->second;
  const VarInfo& info = net_.var(v);
  const SparseBatch* p = slot(Var{info.pattern_input}).pattern;
  if (!p) throw error("model '", net_.name(), "': input '", net_.vars()[info.pattern_input].name, "' is not bound");
  return p;
}

Exec::Slot& Exec::prepare(Var v, int64_t rows, const SparseBatch* pattern) {
  const VarInfo& info = net_.var(v);
  Slot& s = slot(v);
  s.rows = rows;
  s.pattern = pattern;
  const int64_t r = info.kind == VarKind::sparse ? pattern->nnz() : rows;
  const int64_t c = info.kind == VarKind::sparse ? 1 : info.width;
  if (s.value.empty() || s.value.rows() != r || s.value.cols() != c) s.value = Tensor(be_, r, c);
  if (training_ && (s.grad.empty() || s.grad.rows() != r || s.grad.cols() != c)) s.grad = Tensor(be_, r, c);
  return s;
}

LossTicket Exec::forward_async(bool training) {
  run_layers(training);
  return losses_.take();
}

void Exec::run_layers(bool training) {
  training_ = training;
  for (size_t i = 0; i < net_.vars().size(); ++i)
    if (net_.vars()[i].is_input && !slots_[i].pattern)
      throw error("model '", net_.name(), "': input '", net_.vars()[i].name, "' is not bound");
  written_in_forward_.clear();
  for (const auto& layer : net_.layers()) layer->forward(*this);
}

double Exec::forward(bool training) { return *losses_.read(forward_async(training), true); }

void Exec::backward() {
  SR_CHECK(training_, "backward() after a forward pass that was not in training mode");
  for (size_t i = 0; i < net_.vars().size(); ++i) {
    const VarInfo& info = net_.vars()[i];
    const bool written = std::find(written_in_forward_.begin(), written_in_forward_.end(), static_cast<int>(i)) !=
                         written_in_forward_.end();
    if (info.kind == VarKind::dense && !info.is_input && !slots_[i].grad.empty() && !written)
      slots_[i].grad.fill_zero();
  }
  for (auto it = net_.layers().rbegin(); it != net_.layers().rend(); ++it) (*it)->backward(*this);
}

Layer& Exec::run_until(Var v) {
  training_ = false;
  for (const auto& layer : net_.layers()) {
    if (layer->output().valid() && layer->output().id == v.id) return *layer;
    if (layer->optional_in_inference()) continue;  // other outputs are not needed
    layer->forward(*this);
  }
  throw error("model '", net_.name(), "': no layer produces '", net_.var(v).name, "'");
}

}  // namespace sr
