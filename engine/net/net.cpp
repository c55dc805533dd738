// Building a Net: every layer call checks its inputs and names the layer in the error.
#include "engine/net/net.h"

#include <sstream>

#include "engine/error.h"
#include "engine/net/layers.h"

namespace sr {

LossSpec masked_mse(Var scores, Var target) { return {LossKind::mse, scores, target}; }
LossSpec masked_bce(Var scores, Var target) { return {LossKind::bce_logits, scores, target}; }
LossSpec multinomial(Var logits, Var target) { return {LossKind::softmax_xent, logits, target}; }
Regularizer l2(float lambda) { return {lambda}; }

Net::Net(std::string name) : name_(std::move(name)) {}

void Net::fail(const std::string& layer, const std::string& what) const {
  throw error("model '", name_, "', layer '", layer, "': ", what);
}

const VarInfo& Net::var(Var v) const {
  SR_CHECK(v.valid() && v.id < static_cast<int>(vars_.size()), "variable ", v.id, " does not belong to model ", name_);
  return vars_[v.id];
}

const VarInfo& Net::checked(Var v, const std::string& layer, const char* role) const {
  if (!v.valid() || v.id >= static_cast<int>(vars_.size()))
    fail(layer, std::string(role) + " is not a variable of this model");
  return vars_[v.id];
}

std::string Net::unique_layer_name(const std::string& requested, const char* kind) {
  std::string name = requested.empty() ? std::string(kind) + std::to_string(layers_.size()) : requested;
  for (const auto& v : vars_)
    if (v.name == name) fail(name, "a layer or input of this name already exists");
  return name;
}

Var Net::add_var(const std::string& layer, VarKind kind, int64_t width, const Var* pattern_from) {
  VarInfo info;
  info.name = layer;
  info.kind = kind;
  info.width = width;
  if (pattern_from) info.pattern_input = vars_[pattern_from->id].pattern_input;
  vars_.push_back(info);
  return Var{static_cast<int>(vars_.size()) - 1};
}

Param* Net::add_param(const std::string& name, int64_t rows, int64_t cols, ParamInit init, bool row_sparse) {
  auto p = std::make_unique<Param>();
  p->name = name;
  p->rows = rows;
  p->cols = cols;
  p->init = init;
  p->row_sparse = row_sparse;
  p->regularized = init != ParamInit::zeros;  // weights, not biases
  params_.push_back(std::move(p));
  return params_.back().get();
}

Var Net::sparse_input(const std::string& name, int64_t width) {
  const std::string n = unique_layer_name(name, "input");
  if (width <= 0) fail(n, "a sparse input needs a positive width, got " + std::to_string(width));
  Var v = add_var(n, VarKind::sparse, width, nullptr);
  vars_[v.id].pattern_input = v.id;
  vars_[v.id].is_input = true;
  return v;
}

Var Net::dense(Var x, int64_t units, Act act, const std::string& name) {
  const std::string n = unique_layer_name(name, "dense");
  const VarInfo xi = checked(x, n, "input");
  if (units <= 0) fail(n, "needs a positive number of units, got " + std::to_string(units));
  Param* w = add_param(n + ".weight", xi.width, units, ParamInit::glorot_uniform, xi.kind == VarKind::sparse);
  Param* b = add_param(n + ".bias", 1, units, ParamInit::zeros, false);
  Var out = add_var(n, VarKind::dense, units, nullptr);
  if (xi.kind == VarKind::sparse) {
    layers_.push_back(std::make_unique<SparseDenseLayer>(n, x, out, act, w, b));
  } else {
    layers_.push_back(std::make_unique<DenseLayer>(n, x, out, act, w, b, !xi.is_input));
  }
  return out;
}

Var Net::dropout(Var x, float p, const std::string& name) {
  const std::string n = unique_layer_name(name, "dropout");
  const VarInfo xi = checked(x, n, "input");
  if (xi.kind != VarKind::dense) fail(n, "dropout takes a dense input; use corrupt() on sparse input '" + xi.name + "'");
  if (!(p >= 0.0f && p < 1.0f)) fail(n, "dropout probability must be in [0, 1), got " + std::to_string(p));
  Var out = add_var(n, VarKind::dense, xi.width, nullptr);
  layers_.push_back(std::make_unique<DropoutLayer>(n, x, out, p, !xi.is_input));
  return out;
}

Var Net::corrupt(Var x, float p, const std::string& name) {
  const std::string n = unique_layer_name(name, "corrupt");
  const VarInfo xi = checked(x, n, "input");
  if (xi.kind != VarKind::sparse) fail(n, "corrupt takes a sparse input; '" + xi.name + "' is dense");
  if (!(p >= 0.0f && p < 1.0f)) fail(n, "corruption probability must be in [0, 1), got " + std::to_string(p));
  Var out = add_var(n, VarKind::sparse, xi.width, &x);
  layers_.push_back(std::make_unique<CorruptLayer>(n, x, out, p));
  return out;
}

Var Net::sparse_output(Var h, int64_t width, Act act, Var pattern, const std::string& name) {
  const std::string n = unique_layer_name(name, "sparse_output");
  const VarInfo hi = checked(h, n, "input");
  const VarInfo pi = checked(pattern, n, "pattern");
  if (hi.kind != VarKind::dense) fail(n, "its input '" + hi.name + "' must be dense (add a dense layer first)");
  if (pi.kind != VarKind::sparse) fail(n, "its pattern '" + pi.name + "' must be sparse");
  if (pi.width != width)
    fail(n, "pattern '" + pi.name + "' has width " + std::to_string(pi.width) + " but the output has width " +
                std::to_string(width));
  Param* v = add_param(n + ".weight", width, hi.width, ParamInit::glorot_uniform, true);
  Param* c = add_param(n + ".bias", width, 1, ParamInit::zeros, true);
  Var out = add_var(n, VarKind::sparse, width, &pattern);
  layers_.push_back(std::make_unique<SparseOutputLayer>(n, h, pattern, out, act, v, c, !hi.is_input));
  return out;
}

void Net::minimize(LossSpec loss, Regularizer reg) {
  const VarInfo si = checked(loss.scores, "loss", "scores");
  const VarInfo ti = checked(loss.target, "loss", "target");
  if (has_loss()) fail("loss", "minimize() was already called");
  if (loss.kind == LossKind::softmax_xent) {
    if (si.kind != VarKind::dense || ti.kind != VarKind::sparse)
      fail("loss", "the multinomial loss takes dense logits and a sparse target; '" + si.name + "' or '" + ti.name +
                       "' is not");
    if (si.width != ti.width)
      fail("loss", "logits '" + si.name + "' have width " + std::to_string(si.width) + ", target '" + ti.name +
                       "' width " + std::to_string(ti.width));
  } else {
    if (si.kind != VarKind::sparse || ti.kind != VarKind::sparse)
      fail("loss", "a masked loss compares two sparse variables; '" + si.name + "' or '" + ti.name + "' is dense");
    if (si.pattern_input != ti.pattern_input)
      fail("loss", "scores '" + si.name + "' and target '" + ti.name + "' are not on the same sparse pattern");
  }
  if (!(reg.l2 >= 0.0f)) fail("loss", "l2 must be >= 0, got " + std::to_string(reg.l2));
  loss_ = loss;
  reg_ = reg;
}

Var Net::input(const std::string& name) const {
  std::string known;
  for (size_t i = 0; i < vars_.size(); ++i) {
    if (!vars_[i].is_input) continue;
    if (vars_[i].name == name) return Var{static_cast<int>(i)};
    known += (known.empty() ? "" : ", ") + vars_[i].name;
  }
  throw error("model '", name_, "' has no input '", name, "' (inputs: ", known, ")");
}

std::vector<Param*> Net::params() const {
  std::vector<Param*> out;
  for (const auto& p : params_) out.push_back(p.get());
  return out;
}

int64_t Net::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p->rows * p->cols;
  return n;
}

std::string Net::summary() const {
  std::ostringstream os;
  os << name_ << ": " << layers_.size() << " layers, " << parameter_count() << " parameters";
  return os.str();
}

}  // namespace sr
