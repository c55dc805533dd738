// Building a Net: every layer call checks its inputs and names the layer in the error.
#include "engine/net/net.h"

#include <cmath>
#include <sstream>

#include "engine/net/adversarial_layer.h"
#include "engine/net/combine_layers.h"
#include "engine/net/conv_layers.h"
#include "engine/net/layers.h"
#include "engine/net/loss_layer.h"
#include "engine/net/recurrent_layer.h"
#include "engine/net/sample_layer.h"
#include "engine/net/sequence_layers.h"
#include "kernels/error.h"

namespace sr {

LossSpec masked_mse(Var scores, Var target) { return {LossKind::mse, scores, target}; }
LossSpec masked_bce(Var scores, Var target) { return {LossKind::bce_logits, scores, target}; }
LossSpec multinomial(Var logits, Var target) { return {LossKind::softmax_xent, logits, target}; }
LossSpec ranking(RankLoss kind, Var scores, Var target, float bpreg) {
  LossSpec l{LossKind::rank, scores, target};
  l.rank = kind, l.bpreg = bpreg;
  return l;
}
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
  if (has_loss()) fail(requested.empty() ? kind : requested, "no layer may follow the loss (call minimize() last)");
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
  p->id = static_cast<int>(params_.size());
  p->name = name;
  p->rows = rows;
  p->cols = cols;
  p->init = init;
  p->row_sparse = row_sparse;
  p->regularized = init != ParamInit::zeros;  // weights, not biases
  params_.push_back(std::move(p));
  param_list_.push_back(params_.back().get());
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
  if (xi.kind == VarKind::sparse) check_no_trained_producer(n, x);
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

namespace {
// A GRU's weights and both biases (those of its input layer `gates`, u and b, all in `params`)
// from U(−1/√H, 1/√H), as cuDNN and PyTorch start them.
void init_recurrent(const Layer& gates, const std::vector<std::unique_ptr<Param>>& params, Param* u, Param* b,
                    int64_t hidden) {
  std::vector<Param*> all = {u, b};
  for (const Param* p : gates.params()) all.push_back(params[static_cast<size_t>(p->id)].get());
  for (Param* p : all) p->init = ParamInit::uniform, p->init_std = 1.0f / std::sqrt(static_cast<float>(hidden));
}
}  // namespace

Var Net::gru(Var x, int64_t hidden, const std::string& name) {
  const std::string n = unique_layer_name(name, "gru");
  checked(x, n, "input");
  if (hidden <= 0) fail(n, "needs a positive number of units, got " + std::to_string(hidden));
  const Var gates = dense(x, 3 * hidden, Act::identity, n + "_input");  // x·W + b_x for r, z, n
  Param* u = add_param(n + ".recurrent", hidden, 3 * hidden, ParamInit::glorot_uniform, false);
  Param* b = add_param(n + ".bias", 1, 3 * hidden, ParamInit::zeros, false);
  init_recurrent(producer(gates), params_, u, b, hidden);
  Var out = add_var(n, VarKind::dense, hidden, nullptr);
  layers_.push_back(std::make_unique<GruLayer>(n, gates, out, hidden, u, b, true));
  return out;
}

Var Net::gru_sequence(Var x, int64_t hidden, Var mask, int64_t steps, const std::string& name) {
  const std::string n = unique_layer_name(name, "gru_sequence");
  checked(x, n, "input");
  const VarInfo mi = checked(mask, n, "mask");
  if (hidden <= 0) fail(n, "needs a positive number of units, got " + std::to_string(hidden));
  if (steps <= 0) fail(n, "needs a positive number of steps, got " + std::to_string(steps));
  if (mi.kind != VarKind::sparse || !mi.is_input || mi.width != 1)
    fail(n, "its mask '" + mi.name + "' must be a sparse input of width 1 (a value per row)");
  const Var gates = dense(x, 3 * hidden, Act::identity, n + "_input");  // one GEMM (or gather) for all steps
  Param* u = add_param(n + ".recurrent", hidden, 3 * hidden, ParamInit::glorot_uniform, false);
  Param* b = add_param(n + ".bias", 1, 3 * hidden, ParamInit::zeros, false);
  init_recurrent(producer(gates), params_, u, b, hidden);
  Var out = add_var(n, VarKind::dense, hidden, nullptr);
  layers_.push_back(std::make_unique<GruSequenceLayer>(n, gates, mask, out, hidden, steps, u, b));
  return out;
}

Var Net::last_step(Var seq, int64_t steps, const std::string& name) {
  const std::string n = unique_layer_name(name, "last_step");
  const VarInfo si = checked(seq, n, "input");
  check_dense(n, {seq}, false);
  if (steps <= 0) fail(n, "needs a positive number of steps, got " + std::to_string(steps));
  Var out = add_var(n, VarKind::dense, si.width, nullptr);
  layers_.push_back(std::make_unique<LastStepLayer>(n, seq, out, steps));
  return out;
}

Var Net::mean_steps(Var seq, Var mask, int64_t steps, const std::string& name) {
  const std::string n = unique_layer_name(name, "mean_steps");
  const VarInfo si = checked(seq, n, "input"), mi = checked(mask, n, "mask");
  check_dense(n, {seq}, false);
  if (steps <= 0) fail(n, "needs a positive number of steps, got " + std::to_string(steps));
  if (mi.kind != VarKind::sparse || !mi.is_input || mi.width != 1)
    fail(n, "its mask '" + mi.name + "' must be a sparse input of width 1 (a value per row)");
  Var out = add_var(n, VarKind::dense, si.width, nullptr);
  layers_.push_back(std::make_unique<MeanStepsLayer>(n, seq, mask, out, steps));
  return out;
}

Var Net::conv1d(Var seq, int64_t filters, int64_t width, int64_t steps, Act act, const std::string& name) {
  const std::string n = unique_layer_name(name, "conv1d");
  const VarInfo si = checked(seq, n, "input");
  check_dense(n, {seq}, false);
  if (si.is_input) fail(n, "its sequence must be computed (an embedding of the steps), not an input");
  if (filters <= 0) fail(n, "needs a positive number of filters, got " + std::to_string(filters));
  if (width <= 0 || width > steps)
    fail(n, "needs a filter width in 1 .. " + std::to_string(steps) + " (the steps), got " + std::to_string(width));
  Param* w = add_param(n + ".weight", width * si.width, filters, ParamInit::glorot_uniform, false);
  Param* b = add_param(n + ".bias", 1, filters, ParamInit::zeros, false);
  Var out = add_var(n, VarKind::dense, filters, nullptr);
  layers_.push_back(std::make_unique<Conv1dLayer>(n, seq, out, steps, width, act, w, b));
  return out;
}

Var Net::max_steps(Var seq, int64_t steps, const std::string& name) {
  const std::string n = unique_layer_name(name, "max_steps");
  const VarInfo si = checked(seq, n, "input");
  check_dense(n, {seq}, false);
  if (si.is_input) fail(n, "its sequence must be computed, not an input");
  if (steps <= 0) fail(n, "needs a positive number of steps, got " + std::to_string(steps));
  Var out = add_var(n, VarKind::dense, si.width, nullptr);
  layers_.push_back(std::make_unique<MaxStepsLayer>(n, seq, out, steps));
  return out;
}

Var Net::attention(Var seq, Var query, int64_t steps, const std::string& name) {
  const std::string n = unique_layer_name(name, "attention");
  const VarInfo si = checked(seq, n, "sequence"), qi = checked(query, n, "query");
  check_dense(n, {seq, query}, false);
  if (si.is_input || qi.is_input) fail(n, "its sequence and query must be computed, not inputs");
  if (steps <= 0) fail(n, "needs a positive number of steps, got " + std::to_string(steps));
  Param* a1 = add_param(n + ".query", qi.width, si.width, ParamInit::glorot_uniform, false);
  Param* a2 = add_param(n + ".key", si.width, si.width, ParamInit::glorot_uniform, false);
  Param* v = add_param(n + ".v", si.width, 1, ParamInit::glorot_uniform, false);
  Var out = add_var(n, VarKind::dense, si.width, nullptr);
  layers_.push_back(std::make_unique<AttentionLayer>(n, seq, query, out, steps, a1, a2, v));
  return out;
}

Var Net::tied_output(Var x, Var embedded, bool bias, const std::string& name, float cosine_scale) {
  const std::string n = unique_layer_name(name, "tied_output");
  if (!(cosine_scale >= 0.0f))  // before any parameter is added: a refused layer leaves the net as it was
    fail(n, "needs a cosine scale of 0 (plain dot products) or more, got " + std::to_string(cosine_scale));
  const VarInfo xi = checked(x, n, "input");
  checked(embedded, n, "embedding");
  check_dense(n, {x}, false);
  const Layer& source = producer(embedded);
  if (!source.sparse_input_weight() || source.params().size() != 1)
    fail(n, "'" + var(embedded).name + "' is not the output of an embedding layer");
  Param* table = params_[static_cast<size_t>(source.sparse_input_weight()->id)].get();
  if (table->cols != xi.width)
    fail(n, "input '" + xi.name + "' has width " + std::to_string(xi.width) + ", the embedding " +
                std::to_string(table->cols));
  table->row_sparse = false;  // the output's gradient reaches every row
  Param* b = bias ? add_param(n + ".bias", 1, table->rows, ParamInit::zeros, false) : nullptr;
  Var out = add_var(n, VarKind::dense, table->rows, nullptr);
  layers_.push_back(std::make_unique<TiedOutputLayer>(n, x, out, table, b, !xi.is_input, cosine_scale));
  return out;
}

Var Net::embedding(Var ids, int64_t dim, const std::string& name, float init_std) {
  const std::string n = unique_layer_name(name, "embedding");
  const VarInfo xi = checked(ids, n, "input");
  if (xi.kind != VarKind::sparse) fail(n, "an embedding looks up rows by a sparse input; '" + xi.name + "' is dense");
  if (dim <= 0) fail(n, "needs a positive dimension, got " + std::to_string(dim));
  check_no_trained_producer(n, ids);
  if (!(init_std >= 0.0f)) fail(n, "needs an initial standard deviation >= 0, got " + std::to_string(init_std));
  Param* w = add_param(n + ".weight", xi.width, dim, ParamInit::normal, true);
  w->init_std = init_std;
  Var out = add_var(n, VarKind::dense, dim, nullptr);
  layers_.push_back(std::make_unique<SparseDenseLayer>(n, ids, out, Act::identity, w, nullptr));
  return out;
}

void Net::check_dense(const std::string& layer, const std::vector<Var>& xs, bool same_width) const {
  if (xs.empty()) fail(layer, "needs at least one input");
  for (Var x : xs) {
    const VarInfo& xi = checked(x, layer, "input");
    if (xi.kind != VarKind::dense)
      fail(layer, "its input '" + xi.name + "' must be dense (embed or add a dense layer first)");
    if (same_width && xi.width != var(xs[0]).width)
      fail(layer, "inputs '" + var(xs[0]).name + "' and '" + xi.name + "' have widths " +
                      std::to_string(var(xs[0]).width) + " and " + std::to_string(xi.width));
  }
}

Var Net::concat(const std::vector<Var>& xs, const std::string& name) {
  const std::string n = unique_layer_name(name, "concat");
  check_dense(n, xs, false);
  int64_t width = 0;
  for (Var x : xs) width += var(x).width;
  Var out = add_var(n, VarKind::dense, width, nullptr);
  layers_.push_back(std::make_unique<ConcatLayer>(n, xs, out));
  return out;
}

Var Net::multiply(Var a, Var b, const std::string& name) {
  const std::string n = unique_layer_name(name, "multiply");
  check_dense(n, {a, b}, true);
  Var out = add_var(n, VarKind::dense, var(a).width, nullptr);
  layers_.push_back(std::make_unique<MultiplyLayer>(n, a, b, out));
  return out;
}

Var Net::discriminator_input(Var condition, Var generated, float mask_ratio, const std::string& name) {
  const std::string n = unique_layer_name(name, "discriminator_input");
  const VarInfo ci = checked(condition, n, "condition");
  if (ci.kind != VarKind::sparse || !ci.is_input) fail(n, "its condition must be a sparse input (the purchases)");
  check_dense(n, {generated}, false);
  if (var(generated).width != ci.width)
    fail(n, "the generated vectors have width " + std::to_string(var(generated).width) + ", the condition " +
                std::to_string(ci.width));
  if (!(mask_ratio >= 0.0f && mask_ratio <= 1.0f))
    fail(n, "its mask ratio must be in [0, 1], got " + std::to_string(mask_ratio));
  Var out = add_var(n, VarKind::dense, 2 * ci.width, nullptr);
  layers_.push_back(std::make_unique<DiscriminatorInputLayer>(n, condition, generated, out, mask_ratio));
  return out;
}

Var Net::dot(Var a, Var b, const std::string& name) {
  const std::string n = unique_layer_name(name, "dot");
  check_dense(n, {a, b}, true);
  Var out = add_var(n, VarKind::dense, 1, nullptr);
  layers_.push_back(std::make_unique<DotLayer>(n, a, b, out));
  return out;
}

Var Net::sum(const std::vector<Var>& xs, const std::string& name) {
  const std::string n = unique_layer_name(name, "sum");
  check_dense(n, xs, true);
  Param* b = add_param(n + ".bias", 1, var(xs[0]).width, ParamInit::zeros, false);
  Var out = add_var(n, VarKind::dense, var(xs[0]).width, nullptr);
  layers_.push_back(std::make_unique<SumLayer>(n, xs, out, b));
  return out;
}

Var Net::fm(Var x, int64_t fields, const std::string& name) {
  const std::string n = unique_layer_name(name, "fm");
  check_dense(n, {x}, false);
  const int64_t w = var(x).width;
  if (fields < 1 || w % fields != 0)
    fail(n, "its input of width " + std::to_string(w) + " is not " + std::to_string(fields) + " fields of one width");
  Var out = add_var(n, VarKind::dense, 1, nullptr);
  layers_.push_back(std::make_unique<FmLayer>(n, x, out, fields));
  return out;
}

Var Net::cross(Var x0, Var xl, int64_t rank, const std::string& name) {
  const std::string n = unique_layer_name(name, "cross");
  check_dense(n, {x0, xl}, true);
  const int64_t w = var(x0).width;
  if (rank < 0) fail(n, "needs a rank >= 0 (0: full), got " + std::to_string(rank));
  const Var projected = rank > 0 && rank < w
                            ? dense(dense(xl, rank, Act::identity, n + ".u"), w, Act::identity, n + ".v")
                            : dense(xl, w, Act::identity, n + ".w");
  const Var gated = multiply(x0, projected, n + ".gate");
  Var out = add_var(n, VarKind::dense, w, nullptr);
  layers_.push_back(std::make_unique<SumLayer>(n, std::vector<Var>{gated, xl}, out, nullptr));
  return out;
}

Var Net::gaussian_sample(Var x, float beta_max, int64_t anneal_steps, const std::string& name) {
  const std::string n = unique_layer_name(name, "gaussian_sample");
  check_dense(n, {x}, false);
  const int64_t w = var(x).width;
  if (w % 2 != 0)
    fail(n, "its input holds a mean and a log-variance per unit, so its width must be even, got " + std::to_string(w));
  if (!(beta_max >= 0.0f)) fail(n, "beta must be >= 0, got " + std::to_string(beta_max));
  Var out = add_var(n, VarKind::dense, w / 2, nullptr);
  layers_.push_back(std::make_unique<GaussianSampleLayer>(n, x, out, beta_max, anneal_steps));
  return out;
}

Var Net::dropout(Var x, float p, const std::string& name) {
  const std::string n = unique_layer_name(name, "dropout");
  const VarInfo xi = checked(x, n, "input");
  if (xi.kind != VarKind::dense)
    fail(n, "dropout takes a dense input; use corrupt() on sparse input '" + xi.name + "'");
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

void Net::start_at_zero(const std::string& name) {
  for (auto& p : params_)
    if (p->name == name) {
      p->init = ParamInit::zeros, p->init_std = 0.0f;
      return;
    }
  throw error("net '", name_, "' has no parameter '", name, "' to start at zero");
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

Var Net::shift(Var scores, Var offsets, const std::string& name) {
  const std::string n = unique_layer_name(name, "shift");
  const VarInfo si = checked(scores, n, "scores");
  const VarInfo oi = checked(offsets, n, "offsets");
  if (si.kind != VarKind::sparse || si.is_input)
    fail(n, "its scores '" + si.name + "' must be sparse scores a layer makes (a sparse output)");
  if (oi.kind != VarKind::sparse || !oi.is_input) fail(n, "its offsets '" + oi.name + "' must be a sparse input");
  if (oi.width != si.width)
    fail(n, "offsets '" + oi.name + "' have width " + std::to_string(oi.width) + ", scores '" + si.name + "' " +
                std::to_string(si.width));
  Var out = add_var(n, VarKind::sparse, si.width, &scores);
  layers_.push_back(std::make_unique<ShiftLayer>(n, scores, offsets, out));
  return out;
}

Var Net::tied_sparse_output(Var h, Var pattern, Var tied_to, const std::string& name) {
  const std::string n = unique_layer_name(name, "sparse_output");
  const VarInfo hi = checked(h, n, "input");
  const VarInfo pi = checked(pattern, n, "pattern");
  checked(tied_to, n, "tied variable");
  const Layer* source = var(tied_to).is_input ? nullptr : &producer(tied_to);
  if (!source || !source->sparse_input_weight())
    fail(n,
         "'" + var(tied_to).name + "' is not made by a dense layer on a sparse input, so there is no weight to share");
  Param* w = params_[static_cast<size_t>(source->sparse_input_weight()->id)].get();
  if (hi.kind != VarKind::dense || pi.kind != VarKind::sparse) fail(n, "needs a dense input and a sparse pattern");
  if (w->rows != pi.width || w->cols != hi.width)
    fail(n, "the shared weight '" + w->name + "' is " + std::to_string(w->rows) + " x " + std::to_string(w->cols) +
                "; pattern width " + std::to_string(pi.width) + " and input width " + std::to_string(hi.width) +
                " do not fit");
  w->row_sparse = false;  // two layers touch it: update every row
  Param* c = add_param(n + ".bias", pi.width, 1, ParamInit::zeros, true);
  Var out = add_var(n, VarKind::sparse, pi.width, &pattern);
  layers_.push_back(std::make_unique<SparseOutputLayer>(n, h, pattern, out, Act::identity, w, c, !hi.is_input));
  return out;
}

void Net::set_output(Var v) {
  checked(v, "output", "output");
  output_ = v;
}

void Net::set_regularizer(Regularizer reg) {
  if (!(reg.l2 >= 0.0f)) fail("regularizer", "l2 must be >= 0, got " + std::to_string(reg.l2));
  reg_ = reg;
}

void Net::check_no_trained_producer(const std::string& layer, Var x) const {
  std::vector<Var> upstream{x};
  while (!upstream.empty()) {
    const Var v = upstream.back();
    upstream.pop_back();
    if (var(v).is_input) continue;
    const Layer& made_by = producer(v);
    if (!made_by.params().empty())
      fail(layer, "reads the sparse '" + var(x).name + "', which the trained layer '" + made_by.name() +
                      "' computes: no gradient flows back through a sparse input of a dense layer or an embedding, "
                      "so '" +
                      made_by.name() + "' would get none through '" + layer + "'");
    for (Var i : made_by.inputs()) upstream.push_back(i);
  }
}

Layer& Net::producer(Var v) const {
  for (const auto& l : layers_)
    if (l->output().id == v.id) return *l;
  throw error("model '", name_, "': no layer makes '", var(v).name, "'");
}

const Param& Net::param(const std::string& name) const {
  std::string known;
  for (const auto& p : params_) {
    if (p->name == name) return *p;
    known += (known.empty() ? "" : ", ") + p->name;
  }
  throw error("model '", name_, "' has no parameter '", name, "' (parameters: ", known, ")");
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
  } else if (loss.kind == LossKind::rank) {
    if (si.kind != VarKind::sparse || ti.kind != VarKind::sparse || si.pattern_input != ti.pattern_input)
      fail("loss", "a ranking loss takes sparse scores and a target on the same pattern; '" + si.name + "' and '" +
                       ti.name + "' are not");
    if (!(loss.bpreg >= 0.0f)) fail("loss", "bpreg must be >= 0, got " + std::to_string(loss.bpreg));
  } else if (si.kind == VarKind::dense) {  // one score per row against one label per row
    if (si.width != 1 || ti.kind != VarKind::sparse || ti.width != 1 || !ti.is_input)
      fail("loss", "dense scores '" + si.name + "' must have width 1 and the target '" + ti.name +
                       "' must be a sparse input of width 1 (a label per row)");
  } else {
    if (si.kind != VarKind::sparse || ti.kind != VarKind::sparse)
      fail("loss", "a masked loss compares two sparse variables; '" + si.name + "' or '" + ti.name + "' is dense");
    if (si.pattern_input != ti.pattern_input)
      fail("loss", "scores '" + si.name + "' and target '" + ti.name + "' are not on the same sparse pattern");
  }
  if (!(reg.l2 >= 0.0f)) fail("loss", "l2 must be >= 0, got " + std::to_string(reg.l2));
  loss_ = loss;
  reg_ = reg;
  layers_.push_back(std::make_unique<LossLayer>("loss", loss));  // makes no variable: the name is its own
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

int64_t Net::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p->rows * p->cols;
  return n;
}

std::string Net::summary() const {
  std::ostringstream os;
  const size_t layers = layers_.size() - (has_loss() ? 1 : 0);  // the loss is not counted, as it was not a layer
  os << name_ << ": " << layers << " layers, " << parameter_count() << " parameters";
  return os.str();
}

}  // namespace sr
