#include "engine/net/exec.h"

#include <cmath>

#include "engine/error.h"
#include "engine/net/layers.h"

namespace sr {

namespace {
// Host-side initial values, from a counter-based stream so every backend starts identical.
std::vector<float> initial_values(const Param& p, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(p.rows * p.cols), 0.0f);
  if (p.init == ParamInit::glorot_uniform) {
    const float limit = std::sqrt(6.0f / static_cast<float>(p.rows + p.cols));
    for (size_t i = 0; i < v.size(); ++i) v[i] = (2.0f * uniform01(seed, i) - 1.0f) * limit;
  } else if (p.init == ParamInit::uniform) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = (2.0f * uniform01(seed, i) - 1.0f) * p.init_std;
  } else if (p.init == ParamInit::normal) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = p.init_std * normal01(seed, i);
  }
  return v;
}
uint64_t name_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across runs and platforms
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}
}  // namespace

Exec::Exec(Net& net, Backend& be, uint64_t seed) : net_(net), be_(be), seed_(seed) {
  slots_.resize(net.vars().size());
  for (Param* p : net.params()) {
    p->w = Tensor::from_host(be, initial_values(*p, splitmix64(seed ^ name_hash(p->name))), p->rows, p->cols);
    p->g = Tensor::zeros(be, p->rows, p->cols);
    p->s1 = Tensor();
    p->s2 = Tensor();
  }
  loss_value_ = Tensor(be, 1, 1);
}

Exec::~Exec() {
  for (Param* p : net_.params()) p->w = p->g = p->s1 = p->s2 = Tensor();
}

Tensor& Exec::scratch(const Layer& l, int key, int64_t rows, int64_t cols) {
  Tensor& t = scratch_[{&l, key, slot_}];
  if (t.empty() || t.rows() != rows || t.cols() != cols) t = Tensor::zeros(be_, rows, cols);
  return t;
}

Tensor* Exec::find_scratch(const Layer& l, int key) {
  auto it = scratch_.find({&l, key, slot_});
  return it == scratch_.end() || it->second.empty() ? nullptr : &it->second;
}

void Exec::zero_rows(Tensor& t, const int32_t* rows, int64_t n) {
  if (n == 0) return;
  for (int64_t i = 0; i < n; ++i)
    SR_CHECK(rows[i] >= 0 && rows[i] < t.rows(), "row ", rows[i], " out of range for ", t.rows(), " rows");
  const IndexArray out_rows = IndexArray::from_host(be_, std::vector<int32_t>(rows, rows + n));
  const IndexArray row_ptr = IndexArray::from_host(be_, std::vector<int32_t>(static_cast<size_t>(n + 1), 0));
  GatherArgs g;  // Y[out_rows[r], :] = Σ over no nonzeros = 0
  g.a = CsrView{row_ptr.data(), row_ptr.data(), nullptr, n, 1, 0};
  g.w = t.data(), g.width = t.cols(), g.out_rows = out_rows.data(), g.y = t.data();
  be_.gather(g);
}

void Exec::reset_state(const std::vector<int32_t>& rows) {
  for (const auto& layer : net_.layers()) layer->reset_state(*this, rows.data(), static_cast<int64_t>(rows.size()));
}

void Exec::clear_state() {
  for (auto& [key, t] : scratch_) t = Tensor();
}

void Exec::bind(Var v, const SparseBatch* batch) {
  const VarInfo& info = net_.var(v);
  if (!info.is_input) throw error("model '", net_.name(), "': '", info.name, "' is not an input");
  if (batch->cols() != info.width)
    throw error("model '", net_.name(), "', input '", info.name, "': batch has ", batch->cols(), " columns, the input has width ",
                info.width);
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

uint64_t Exec::draw_seed() { return splitmix64(seed_ ^ (0xD1B54A32D192ED03ull * ++draws_)); }

const IndexArray& Exec::arange(int64_t n) {
  if (arange_.empty() || arange_.numel() < n + 1) {
    std::vector<int32_t> v(static_cast<size_t>(n + 1));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int32_t>(i);
    arange_ = IndexArray::from_host(be_, v);
  }
  return arange_;
}

CsrView Exec::diagonal(int64_t n) {
  const IndexArray& a = arange(n);
  return CsrView{a.data(), a.data(), nullptr, n, n, n};  // row_ptr 0..n and col_idx 0..n-1 share one array
}

const Tensor& Exec::ones(int64_t n) {
  if (ones_.empty() || ones_.numel() < n) {
    ones_ = Tensor::from_host(be_, std::vector<float>(static_cast<size_t>(n > 0 ? n : 1), 1.0f));
  }
  return ones_;
}

double Exec::forward(bool training) {
  training_ = training;
  for (size_t i = 0; i < net_.vars().size(); ++i)
    if (net_.vars()[i].is_input && !slots_[i].pattern)
      throw error("model '", net_.name(), "': input '", net_.vars()[i].name, "' is not bound");
  layer_loss_ = 0.0;
  for (const auto& layer : net_.layers()) layer->forward(*this);
  if (!net_.has_loss() || queries_.count(net_.loss().scores.id)) return layer_loss_;
  const LossSpec& l = net_.loss();
  Slot& z = slot(l.scores);
  Slot& t = slot(l.target);
  if (l.kind == LossKind::softmax_xent || l.kind == LossKind::rank) {  // a loss per row, summed here in order
    const SparseBatch* target = pattern_for(l.target);
    if (row_loss_.numel() < z.rows) row_loss_ = Tensor(be_, z.rows, 1);
    if (l.kind == LossKind::softmax_xent) {  // dense logits against sparse targets
      SoftmaxXentArgs a;
      a.rows = z.rows, a.cols = net_.var(l.scores).width, a.z = z.value.data();
      a.target = target->view_with(t.values);
      a.dz = training ? z.grad.data() : nullptr, a.row_loss = row_loss_.data();
      be_.softmax_xent(a);
    } else {  // sampled scores ranked per row; the target's values mark the positives
      SR_CHECK(t.values, "model '", net_.name(), "': the ranking loss needs target values (1 marks the positive)");
      RankLossArgs a;
      a.kind = l.rank, a.rows = z.rows, a.row_ptr = target->view(false).row_ptr, a.z = z.values, a.target = t.values;
      a.bpreg = l.bpreg, a.dz = training ? z.grad.data() : nullptr, a.row_loss = row_loss_.data();
      be_.rank_loss(a);
    }
    std::vector<float> rows(static_cast<size_t>(z.rows));
    if (z.rows) be_.download(rows.data(), row_loss_.data(), rows.size() * sizeof(float));
    double total = 0.0;
    for (float r : rows) total += r;
    return total + layer_loss_;
  }
  LossArgs a;
  a.kind = l.kind;
  if (net_.var(l.scores).kind == VarKind::dense) {  // a score per row against a label per row
    const SparseBatch* labels = pattern_for(l.target);
    if (labels->nnz() != z.rows)
      throw error("model '", net_.name(), "': label input '", net_.var(l.target).name, "' has ", labels->nnz(),
                  " values for ", z.rows, " rows; it needs exactly one per row");
    a.n = z.rows, a.z = z.value.data();
  } else {
    a.n = z.pattern->nnz(), a.z = z.values;
  }
  a.target = t.values ? t.values : ones(a.n).data();
  a.dz = training ? z.grad.data() : nullptr, a.loss_out = loss_value_.data();
  be_.loss(a);
  return loss_value_.to_host()[0] + layer_loss_;
}

void Exec::backward() {
  SR_CHECK(training_, "backward() after a forward pass that was not in training mode");
  for (size_t i = 0; i < net_.vars().size(); ++i) {
    const VarInfo& info = net_.vars()[i];
    // Every dense gradient starts at zero, except the loss's own (dense logits): forward wrote it.
    const bool loss_scores = net_.has_loss() && static_cast<int>(i) == net_.loss().scores.id;
    if (info.kind == VarKind::dense && !info.is_input && !slots_[i].grad.empty() && !loss_scores) slots_[i].grad.fill_zero();
  }
  for (auto it = net_.layers().rbegin(); it != net_.layers().rend(); ++it) (*it)->backward(*this);
}

std::vector<float> Exec::sparse_values(Var v) {
  Slot& s = slot(v);
  SR_CHECK(s.values, "'", net_.var(v).name, "' has no values: run forward first");
  std::vector<float> out(static_cast<size_t>(s.pattern->nnz()));
  if (!out.empty()) be_.download(out.data(), s.values, out.size() * sizeof(float));
  return out;
}

Layer& Exec::run_until(Var v) {
  training_ = false;
  for (const auto& layer : net_.layers()) {
    if (layer->output().id == v.id) return *layer;
    if (dynamic_cast<SparseOutputLayer*>(layer.get())) continue;  // other outputs are not needed
    layer->forward(*this);
  }
  throw error("model '", net_.name(), "': no layer produces variable ", v.id);
}

SparseOutputLayer& Exec::forward_to_output(Var v) {
  Layer& layer = run_until(v);
  auto* out = dynamic_cast<SparseOutputLayer*>(&layer);
  if (!out) throw error("model '", net_.name(), "': '", layer.name(), "' is not a sparse output");
  return *out;
}

Tensor Exec::dense_scores(Var v) { return forward_to_output(v).dense_scores(*this); }

Tensor Exec::all_scores(Var v) {
  Layer& layer = run_until(v);
  if (auto* out = dynamic_cast<SparseOutputLayer*>(&layer)) return out->dense_scores(*this);
  layer.forward(*this);
  const Tensor& y = slot(v).value;
  Tensor copy(be_, y.rows(), y.cols());
  copy.copy_from(y);
  return copy;
}

Tensor Exec::output_input(Var v) {
  const Var h = forward_to_output(v).inputs()[0];
  Tensor copy(be_, slot(h).value.rows(), slot(h).value.cols());
  copy.copy_from(slot(h).value);
  return copy;
}

Tensor Exec::column_scores(Var v, const Tensor& h_all, const IndexArray& columns) {
  for (const auto& layer : net_.layers())
    if (layer->output().id == v.id)
      if (auto* out = dynamic_cast<SparseOutputLayer*>(layer.get())) return out->column_scores(*this, h_all, columns);
  throw error("model '", net_.name(), "': variable ", v.id, " is not a sparse output");
}

}  // namespace sr
