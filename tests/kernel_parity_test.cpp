// Every op on every backend against the CPU reference (kernels/cpu/), on fresh random inputs of
// awkward shapes: an empty batch, empty rows, one row holding every column, column ids at the top
// of a large range, widths of 1 and not a multiple of 32, widths over one warp pass. Outputs are
// poisoned with NaN before each op. Suites: Cpu/… (the CPU backend), Emu/… (the CUDA kernels on
// the emulator), Gpu/… (the CUDA kernels on a GPU; skipped, visibly, without one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "kernels/cpu/reference.h"
#include "tests/error_expect.h"
#include "tests/op_cases.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// Tolerances for float32 sums of up to a few thousand terms taken in different orders.
constexpr float kAtol = 1e-5f;
constexpr float kRtol = 1e-4f;

std::string param_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return case_name(kSparseOpCases[std::get<1>(info.param)]);
}

using SparseParity = BackendParity<SparseOpCase, kSparseOpCases>;

TEST_P(SparseParity, GatherWithBiasAndActivation) {
  for (bool one_hot : {false, true}) {
    const HostCsr a = random_csr(c_.shape, rng_, !one_hot);
    const auto w = random_vector(a.cols * c_.width, rng_);
    const auto bias = random_vector(c_.width, rng_);
    for (Act act : {Act::identity, Act::sigmoid, Act::relu, Act::tanh}) {
      std::vector<float> ref(a.rows * c_.width);
      GatherArgs g{};
      const SparseBatch da(*be_, a);
      DeviceBuffer<float> dw(*be_, w), db(*be_, bias), dy(*be_, ref.size());
      dy.poison();
      g.a = {a.row_ptr.data(), a.col_idx.data(), one_hot ? nullptr : a.val.data(), a.rows, a.cols, a.nnz()};
      g.w = w.data(), g.width = c_.width, g.bias = bias.data(), g.act = act, g.y = ref.data();
      ref::gather(g);
      g.a = da.view(!one_hot), g.w = dw.get(), g.bias = db.get(), g.y = dy.get();
      be_->gather(g);
      EXPECT_TRUE(all_close(ref, dy.download(), kAtol, kRtol))
          << "act " << static_cast<int>(act) << " one_hot " << one_hot;
    }
  }
}

TEST_P(SparseParity, GatherAccumulatesIntoListedRows) {
  const HostCsr a = random_csr(c_.shape, rng_);
  const auto w = random_vector(a.cols * c_.width, rng_);
  const int64_t out_rows_total = 2 * a.rows + 1;
  std::vector<int32_t> out_rows(a.rows);
  for (int64_t r = 0; r < a.rows; ++r)
    out_rows[r] = static_cast<int32_t>(2 * (a.rows - 1 - r) + 1);  // reversed, spread
  auto ref = random_vector(out_rows_total * c_.width, rng_);
  const SparseBatch da(*be_, a);
  DeviceBuffer<float> dw(*be_, w), dy(*be_, ref);
  DeviceBuffer<int32_t> dout(*be_, out_rows);
  GatherArgs g{};
  g.a = {a.row_ptr.data(), a.col_idx.data(), a.val.data(), a.rows, a.cols, a.nnz()};
  g.w = w.data(), g.width = c_.width, g.accumulate = true, g.out_rows = out_rows.data(), g.y = ref.data();
  ref::gather(g);
  g.a = da.view(), g.w = dw.get(), g.out_rows = dout.get(), g.y = dy.get();
  be_->gather(g);
  EXPECT_TRUE(all_close(ref, dy.download(), kAtol, kRtol));
}

void check_scatter(Backend& be, const SparseOpCase& c, std::mt19937_64& rng, ScatterMode mode) {
  const HostCsr a = random_csr(c.shape, rng);
  const auto d = random_vector(a.rows * c.width, rng);
  const auto vals = random_vector(a.nnz(), rng);    // e.g. a gradient of sparse scores
  auto ref = random_vector(a.cols * c.width, rng);  // scatter adds: start from arbitrary values
  const auto start = ref;
  const SparseBatch da(be, a);
  DeviceBuffer<float> dd(be, d), dvals(be, vals), ddw(be, ref);
  ScatterArgs s{};
  s.a = {a.row_ptr.data(), a.col_idx.data(), nullptr, a.rows, a.cols, a.nnz()};
  s.vals = vals.data(), s.d = d.data(), s.width = c.width, s.dw = ref.data();
  ref::scatter(s);
  s.a = da.view(false), s.at = da.touched_view(), s.vals = dvals.get(), s.d = dd.get(), s.dw = ddw.get();
  s.mode = mode;
  be.scatter(s);
  const auto got = ddw.download();
  EXPECT_TRUE(all_close(ref, got, kAtol, kRtol));
  // Rows no nonzero touches are left exactly as they were.
  std::vector<bool> touched(a.cols, false);
  for (int32_t col : a.col_idx) touched[col] = true;
  for (int64_t j = 0; j < a.cols; ++j) {
    if (touched[j]) continue;
    for (int64_t x = 0; x < c.width; ++x) ASSERT_EQ(got[j * c.width + x], start[j * c.width + x]) << "row " << j;
  }
  if (mode == ScatterMode::deterministic) {
    ddw.upload(start);
    be.scatter(s);
    EXPECT_EQ(got, ddw.download()) << "deterministic scatter differs between two runs";
  }
}

// The CUDA SpMM has several forms (a warp a row, a block a row, float4 groups of lanes; chosen by
// shape, or forced by SPARSEREC_SPMM_KERNEL for the GPU suite's sweep): each form, forced on every
// case, against the reference — the gather with bias and activation, into listed rows, and the
// deterministic scatter (the same SpMM over the touched columns). A form that does not fit a case
// (float4s on a width not a multiple of 4) falls back. Other backends ignore the variable.
TEST_P(SparseParity, EverySpmmFormForced) {
  for (const char* form : {"rows", "split", "vector"}) {
    SCOPED_TRACE(std::string("SPARSEREC_SPMM_KERNEL=") + form);
    const ScopedEnv forced("SPARSEREC_SPMM_KERNEL", form);
    const HostCsr a = random_csr(c_.shape, rng_);
    const auto w = random_vector(a.cols * c_.width, rng_);
    const auto bias = random_vector(c_.width, rng_);
    std::vector<int32_t> out_rows(a.rows);
    for (int64_t r = 0; r < a.rows; ++r) out_rows[r] = static_cast<int32_t>(2 * (a.rows - 1 - r) + 1);
    for (bool listed : {false, true}) {
      auto ref = random_vector((listed ? 2 * a.rows + 1 : a.rows) * c_.width, rng_);
      const SparseBatch da(*be_, a);
      DeviceBuffer<float> dw(*be_, w), db(*be_, bias), dy(*be_, ref);
      DeviceBuffer<int32_t> dout(*be_, out_rows);
      if (!listed) dy.poison();
      GatherArgs g{};
      g.a = {a.row_ptr.data(), a.col_idx.data(), a.val.data(), a.rows, a.cols, a.nnz()};
      g.w = w.data(), g.width = c_.width, g.y = ref.data();
      if (listed)
        g.accumulate = true, g.out_rows = out_rows.data();
      else
        g.bias = bias.data(), g.act = Act::tanh;
      ref::gather(g);
      g.a = da.view(), g.w = dw.get(), g.y = dy.get();
      if (listed)
        g.out_rows = dout.get();
      else
        g.bias = db.get();
      be_->gather(g);
      EXPECT_TRUE(all_close(ref, dy.download(), kAtol, kRtol)) << (listed ? "into listed rows" : "bias and tanh");
    }
    check_scatter(*be_, c_, rng_, ScatterMode::deterministic);
  }
}

// A form the CUDA kernels do not have is refused, naming the variable (the CPU backend has no
// forms and reads neither variable): on the emulator, and on a GPU when there is one.
TEST(SparseForms, AnUnknownFormIsRefused) {
  std::mt19937_64 rng(test_seed());
  const HostCsr a = random_csr({"small", 20, 100, 0.1}, rng);
  const int64_t width = 16;
  for (const char* name : {"emu", "cuda"}) {
    std::string reason;
    const std::unique_ptr<Backend> be = backend_or_skip_reason(name, &reason);
    if (!be) {
      std::printf("%s: skipped (%s)\n", name, reason.c_str());
      continue;
    }
    const SparseBatch da(*be, a);
    DeviceBuffer<float> dw(*be, a.cols * width), dy(*be, a.rows * width), dz(*be, a.nnz());
    for (const char* variable : {"SPARSEREC_SPMM_KERNEL", "SPARSEREC_SDDMM_KERNEL"}) {
      SCOPED_TRACE(std::string(name) + " " + variable);
      const ScopedEnv forced(variable, "fastest");
      GatherArgs g{};
      g.a = da.view(), g.w = dw.get(), g.width = width, g.y = dy.get();
      SampledDotArgs s{};
      s.pattern = da.view(false), s.h = dy.get(), s.v = dw.get(), s.width = width, s.z = dz.get();
      expect_error([&] { std::string(variable) == "SPARSEREC_SPMM_KERNEL" ? be->gather(g) : be->sampled_dot(s); },
                   {variable, "='fastest'", "expected rows, split or vector"});
    }
  }
}

TEST_P(SparseParity, ScatterDeterministic) { check_scatter(*be_, c_, rng_, ScatterMode::deterministic); }
TEST_P(SparseParity, ScatterAtomic) { check_scatter(*be_, c_, rng_, ScatterMode::atomic); }

void check_sampled_dot(Backend& be, const SparseOpCase& c, std::mt19937_64& rng) {
  const HostCsr p = random_csr(c.shape, rng, false);
  const auto h = random_vector(p.rows * c.width, rng);
  const auto v = random_vector(p.cols * c.width, rng);
  const auto bias = random_vector(p.cols, rng);
  for (Act act : {Act::identity, Act::sigmoid}) {
    std::vector<float> ref(p.nnz());
    const SparseBatch dp(be, p);
    DeviceBuffer<float> dh(be, h), dv(be, v), dc(be, bias), dz(be, ref.size());
    dz.poison();
    SampledDotArgs s{};
    s.pattern = {p.row_ptr.data(), p.col_idx.data(), nullptr, p.rows, p.cols, p.nnz()};
    s.h = h.data(), s.v = v.data(), s.width = c.width, s.c = bias.data(), s.act = act, s.z = ref.data();
    ref::sampled_dot(s);
    s.pattern = dp.view(false), s.h = dh.get(), s.v = dv.get(), s.c = dc.get(), s.z = dz.get();
    be.sampled_dot(s);
    // A dot of `width` products summed in another order: its rounding grows as √width times the
    // terms' size, which a cancelling sum does not shrink (width 1000 once missed kAtol by 4e-6).
    const float atol = kAtol * std::sqrt(static_cast<float>(std::max<int64_t>(c.width, 1)));
    EXPECT_TRUE(all_close(ref, dz.download(), atol, kRtol)) << "act " << static_cast<int>(act);
  }
}

// Rows into a column block of a wider matrix (columns 3.. of rows cols + 5 wide): the block written
// whole, zeros included, with values and one-hot; the columns around it keep what they held.
TEST_P(SparseParity, DensifyIntoAColumnBlock) {
  for (bool one_hot : {false, true}) {
    const HostCsr a = random_csr(c_.shape, rng_, !one_hot);
    const int64_t ld = a.cols + 5, offset = 3;
    auto ref = random_vector(a.rows * ld, rng_);
    const std::vector<float> before = ref;
    const SparseBatch da(*be_, a);
    DeviceBuffer<float> dy(*be_, ref);
    ref::densify({{a.row_ptr.data(), a.col_idx.data(), one_hot ? nullptr : a.val.data(), a.rows, a.cols, a.nnz()},
                  ref.data() + offset,
                  ld});
    be_->densify({da.view(!one_hot), dy.get() + offset, ld});
    const auto got = dy.download();
    EXPECT_TRUE(all_close(ref, got, 0.0f, 0.0f)) << "one_hot " << one_hot;
    for (int64_t r = 0; r < a.rows; ++r) {
      double sum = 0.0;
      for (int64_t c = 0; c < a.cols; ++c) sum += ref[r * ld + offset + c];
      double want = 0.0;
      for (int64_t k = a.row_ptr[r]; k < a.row_ptr[r + 1]; ++k) want += one_hot ? 1.0 : a.val[k];
      EXPECT_NEAR(sum, want, 1e-4 * (1.0 + std::abs(want))) << "row " << r;
      for (int64_t c : {int64_t{0}, int64_t{1}, int64_t{2}, offset + a.cols, ld - 1})
        EXPECT_EQ(got[r * ld + c], before[r * ld + c]) << "row " << r << " column " << c << " outside the block";
    }
  }
}

TEST_P(SparseParity, SampledDot) { check_sampled_dot(*be_, c_, rng_); }

// The sampled dot's CUDA forms, each forced on every case (as EverySpmmFormForced).
TEST_P(SparseParity, EverySampledDotFormForced) {
  for (const char* form : {"rows", "split", "vector"}) {
    SCOPED_TRACE(std::string("SPARSEREC_SDDMM_KERNEL=") + form);
    const ScopedEnv forced("SPARSEREC_SDDMM_KERNEL", form);
    check_sampled_dot(*be_, c_, rng_);
  }
}

SR_INSTANTIATE_ON_BACKENDS(SparseParity, sparse_cases(CaseUse::parity), param_name);

// ---- dense, elementwise, loss and optimizer ops -------------------------------------------------

struct DenseCase {
  const char* name;
  int64_t rows, cols;
};
const DenseCase kDenseCases[] = {{"empty", 0, 7}, {"one", 1, 1}, {"odd", 37, 45}, {"tall", 1031, 3}, {"wide", 3, 1100}};

std::string dense_name(const ::testing::TestParamInfo<CaseParam>& info) {
  const DenseCase& c = kDenseCases[std::get<1>(info.param)];
  return std::string(c.name) + "_" + std::to_string(c.rows) + "x" + std::to_string(c.cols);
}

using DenseParity = BackendParity<DenseCase, kDenseCases>;

TEST_P(DenseParity, Gemm) {
  const int64_t m = c_.rows, n = c_.cols, k = (c_.rows * 7 + c_.cols) % 53;  // k = 0 for the empty case
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const auto a = random_vector(m * k, rng_), b = random_vector(k * n, rng_);
      auto ref = random_vector(m * n, rng_);
      DeviceBuffer<float> da(*be_, a), db(*be_, b), dc(*be_, ref);
      GemmArgs g{ta, tb, m, n, k, 0.75f, 0.5f, a.data(), ta ? m : k, b.data(), tb ? k : n, ref.data(), n};
      ref::gemm(g);
      g.a = da.get(), g.b = db.get(), g.c = dc.get();
      be_->gemm(g);
      EXPECT_TRUE(all_close(ref, dc.download(), kAtol, kRtol)) << "trans_a " << ta << " trans_b " << tb;
    }
  }
}

TEST_P(DenseParity, ElementwiseOps) {
  const int64_t n = c_.rows * c_.cols;
  const auto x = random_vector(n, rng_, -3.0f, 3.0f), bias = random_vector(c_.cols, rng_);
  for (Act act : {Act::identity, Act::sigmoid, Act::relu, Act::tanh}) {
    std::vector<float> ref(n);
    DeviceBuffer<float> dx(*be_, x), db(*be_, bias), dy(*be_, n);
    dy.poison();
    BiasActArgs a{c_.rows, c_.cols, x.data(), bias.data(), act, ref.data()};
    ref::bias_act(a);
    a.x = dx.get(), a.bias = db.get(), a.y = dy.get();
    be_->bias_act(a);
    EXPECT_TRUE(all_close(ref, dy.download(), kAtol, kRtol)) << "bias_act " << static_cast<int>(act);

    const auto dyv = random_vector(n, rng_);
    std::vector<float> ref_dx(n);
    DeviceBuffer<float> ddy(*be_, dyv), ddx(*be_, n);
    ddx.poison();
    ActBackwardArgs b{n, ref.data(), dyv.data(), act, ref_dx.data()};
    ref::act_backward(b);
    b.y = dy.get(), b.dy = ddy.get(), b.dx = ddx.get();
    be_->act_backward(b);
    EXPECT_TRUE(all_close(ref_dx, ddx.download(), kAtol, kRtol)) << "act_backward " << static_cast<int>(act);
  }
  {
    auto ref = random_vector(c_.cols, rng_);
    DeviceBuffer<float> dx(*be_, x), dout(*be_, ref);
    ColSumArgs s{c_.rows, c_.cols, x.data(), 0.5f, ref.data()};
    ref::col_sum(s);
    s.x = dx.get(), s.out = dout.get();
    be_->col_sum(s);
    EXPECT_TRUE(all_close(ref, dout.download(), kAtol, kRtol)) << "col_sum";
  }
  {
    auto ref = random_vector(n, rng_);
    DeviceBuffer<float> dx(*be_, x), dy(*be_, ref);
    AxpbyArgs s{n, -1.5f, x.data(), 0.25f, ref.data()};
    ref::axpby(s);
    s.x = dx.get(), s.y = dy.get();
    be_->axpby(s);
    EXPECT_TRUE(all_close(ref, dy.download(), kAtol, kRtol)) << "axpby";
  }
  {
    std::vector<float> ref(n);
    DeviceBuffer<float> dx(*be_, x), dy(*be_, n);
    dy.poison();
    DropoutArgs d{n, 0.3f, 1234u, 99u, x.data(), ref.data()};
    ref::dropout(d);
    d.x = dx.get(), d.y = dy.get();
    be_->dropout(d);
    EXPECT_TRUE(all_close(ref, dy.download(), 0.0f, 1e-6f)) << "dropout: the same mask on every backend";
  }
}

// FM interactions over 1 to 5 fields of the case's width (a single field has no pairs: y = 0),
// forward and the accumulating backward.
TEST_P(DenseParity, FmInteraction) {
  const int64_t rows = c_.rows, fields = 1 + c_.cols % 5, dim = c_.cols, width = fields * dim;
  const auto x = random_vector(rows * width, rng_, -1.0f, 1.0f), dy = random_vector(rows, rng_);
  std::vector<float> ref_y(rows);
  DeviceBuffer<float> dx_in(*be_, x), dyb(*be_, dy), y(*be_, rows);
  y.poison();
  FmInteractionArgs f{false, rows, fields, dim, x.data(), ref_y.data()};
  ref::fm_interaction(f);
  f.x = dx_in.get(), f.y = y.get();
  be_->fm_interaction(f);
  EXPECT_TRUE(all_close(ref_y, y.download(), kAtol, kRtol)) << "forward, " << fields << " fields";
  auto ref_dx = random_vector(rows * width, rng_);
  DeviceBuffer<float> dx(*be_, ref_dx);
  FmInteractionArgs b{true, rows, fields, dim, x.data(), nullptr, dy.data(), ref_dx.data(), true};
  ref::fm_interaction(b);
  b.x = dx_in.get(), b.dy = dyb.get(), b.dx = dx.get();
  be_->fm_interaction(b);
  EXPECT_TRUE(all_close(ref_dx, dx.download(), kAtol, kRtol)) << "backward, " << fields << " fields";
  // The forward against the pairs it stands for, Σ_{f<g} ⟨x_f, x_g⟩, in double.
  for (int64_t r = 0; r < rows; r += std::max<int64_t>(1, rows / 7)) {
    double pairs = 0.0;
    for (int64_t f = 0; f < fields; ++f)
      for (int64_t g = f + 1; g < fields; ++g)
        for (int64_t d = 0; d < dim; ++d)
          pairs += static_cast<double>(x[r * width + f * dim + d]) * x[r * width + g * dim + d];
    EXPECT_NEAR(ref_y[r], pairs, 1e-3 * (1.0 + std::abs(pairs))) << "row " << r;
  }
}

// Max over 1 to 5 steps of time-major rows, values rounded to tenths so that steps tie (the first
// step reaching the maximum is taken on every backend), then the backward's routing into a
// gradient that already holds values. The forward is also checked against a plain max.
TEST_P(DenseParity, StepMax) {
  const int64_t batch = c_.rows, width = c_.cols, steps = 1 + (c_.rows + c_.cols) % 5, n = batch * width;
  auto x = random_vector(steps * n, rng_, -1.0f, 1.0f);
  for (float& v : x) v = std::round(v * 10.0f) / 10.0f;
  const auto dy = random_vector(n, rng_);
  std::vector<float> ref_y(n);
  std::vector<int32_t> ref_arg(n);
  ref::step_max({false, steps, batch, width, x.data(), ref_y.data(), ref_arg.data()});
  DeviceBuffer<float> xb(*be_, x), y(*be_, n), dyb(*be_, dy);
  DeviceBuffer<int32_t> arg(*be_, std::vector<int32_t>(n, -1));
  y.poison();
  be_->step_max({false, steps, batch, width, xb.get(), y.get(), arg.get()});
  EXPECT_TRUE(all_close(ref_y, y.download(), 0.0f, 0.0f)) << steps << " steps";
  EXPECT_EQ(ref_arg, arg.download()) << steps << " steps";
  for (int64_t i = 0; i < n; i += std::max<int64_t>(1, n / 11)) {
    float best = x[i];
    for (int64_t t = 1; t < steps; ++t) best = std::max(best, x[t * n + i]);
    EXPECT_EQ(ref_y[i], best) << "entry " << i;
    EXPECT_EQ(x[ref_arg[i] * n + i], best) << "entry " << i;
    for (int64_t t = 0; t < ref_arg[i]; ++t) EXPECT_LT(x[t * n + i], best) << "an earlier step ties, entry " << i;
  }
  auto ref_dx = random_vector(steps * n, rng_);
  DeviceBuffer<float> dx(*be_, ref_dx);
  ref::step_max({true, steps, batch, width, nullptr, nullptr, ref_arg.data(), dy.data(), ref_dx.data()});
  be_->step_max({true, steps, batch, width, nullptr, nullptr, arg.get(), dyb.get(), dx.get()});
  EXPECT_TRUE(all_close(ref_dx, dx.download(), kAtol, kRtol)) << "backward, " << steps << " steps";
}

// Every elementwise kind on column blocks of wider matrices (the concat layout), overwriting and
// accumulating; the random kinds must draw the same numbers on every backend.
TEST_P(DenseParity, ElementwiseKindsOnStridedBlocks) {
  const int64_t rows = c_.rows, cols = c_.cols, ld = cols + 3;  // blocks at column 2 of rows ld wide
  const auto a = random_vector(rows * ld, rng_, -2.0f, 2.0f), b = random_vector(rows * ld, rng_, -2.0f, 2.0f);
  const auto probs = random_vector(rows * ld, rng_, 0.0f, 1.0f);
  for (EwKind kind : {EwKind::copy, EwKind::mul, EwKind::bernoulli, EwKind::softmax_rows, EwKind::gauss_sample,
                      EwKind::gauss_sample_grad, EwKind::kl_logvar_grad, EwKind::kl_terms, EwKind::inv_sqrt}) {
    for (bool accumulate : {false, true}) {
      if (kind == EwKind::softmax_rows && accumulate) continue;  // defined without accumulation
      if (kind == EwKind::softmax_rows && cols == 0) continue;
      const auto& av = kind == EwKind::bernoulli ? probs : a;
      auto ref = random_vector(rows * ld, rng_);
      DeviceBuffer<float> da(*be_, av), dbb(*be_, b), dy(*be_, ref);
      if (!accumulate) dy.poison();  // the block is written; the columns outside it keep NaN in both
      if (!accumulate) std::fill(ref.begin(), ref.end(), std::numeric_limits<float>::quiet_NaN());
      ElementwiseArgs e;
      e.kind = kind, e.rows = rows, e.cols = cols, e.a = av.data() + 2, e.lda = ld, e.b = b.data() + 1, e.ldb = ld;
      e.y = ref.data() + 2, e.ldy = ld, e.alpha = kind == EwKind::softmax_rows ? 1.0f : 0.75f;
      e.accumulate = accumulate, e.seed = 77;
      ref::elementwise(e);
      e.a = da.get() + 2, e.b = dbb.get() + 1, e.y = dy.get() + 2;
      be_->elementwise(e);
      const auto got = dy.download();
      bool same = got.size() == ref.size();
      for (size_t i = 0; same && i < ref.size(); ++i)
        same = (std::isnan(ref[i]) && std::isnan(got[i])) ||
               std::fabs(ref[i] - got[i]) <= kAtol + kRtol * std::fabs(ref[i]);
      EXPECT_TRUE(same) << "kind " << static_cast<int>(kind) << " accumulate " << accumulate;
    }
  }
}

TEST_P(DenseParity, Losses) {
  const int64_t n = c_.rows * c_.cols;
  const auto z = random_vector(n, rng_, -4.0f, 4.0f), w = random_vector(n, rng_, 0.0f, 2.0f);
  for (LossKind kind : {LossKind::mse, LossKind::bce_logits}) {
    auto t = random_vector(n, rng_, 0.0f, 1.0f);
    std::vector<float> ref_dz(n), ref_loss(1);
    DeviceBuffer<float> dzv(*be_, z), dt(*be_, t), dw(*be_, w), ddz(*be_, n), dl(*be_, 1);
    ddz.poison();
    dl.poison();
    LossArgs l{kind, n, z.data(), t.data(), w.data(), 0.5f, ref_dz.data(), ref_loss.data()};
    ref::loss(l);
    l.z = dzv.get(), l.target = dt.get(), l.weight = dw.get(), l.dz = ddz.get(), l.loss_out = dl.get();
    be_->loss(l);
    EXPECT_TRUE(all_close(ref_dz, ddz.download(), kAtol, kRtol)) << "loss gradient " << static_cast<int>(kind);
    EXPECT_TRUE(all_close(ref_loss, dl.download(), 1e-4f, 1e-4f)) << "loss value " << static_cast<int>(kind);
  }
}

TEST_P(DenseParity, SoftmaxCrossEntropy) {
  // Sparse targets over dense logits: rows with no target, one, several; weighted and unweighted.
  // One block per row, each with barriers: the emulator pays per block, so the tall case keeps
  // 131 of its rows (still many blocks, an odd count).
  const int64_t rows = std::min<int64_t>(c_.rows, 131), cols = c_.cols, n = rows * cols;
  const auto z = random_vector(static_cast<size_t>(n), rng_, -6.0f, 6.0f);
  HostCsr t;
  t.rows = rows, t.cols = cols;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = r % 3; c < cols; c += 2 + r % 5)
      t.col_idx.push_back(static_cast<int32_t>(c)), t.val.push_back(0.5f + (c % 3));
    t.row_ptr.push_back(static_cast<int32_t>(t.col_idx.size()));
  }
  for (bool weighted : {true, false}) {
    std::vector<float> ref_dz(static_cast<size_t>(n)), ref_loss(static_cast<size_t>(rows));
    const SparseBatch target(*be_, t);
    const CsrView host_view{t.row_ptr.data(), t.col_idx.data(), weighted ? t.val.data() : nullptr, rows, cols, t.nnz()};
    SoftmaxXentArgs a{rows, cols, z.data(), host_view, 0.25f, ref_dz.data(), ref_loss.data()};
    ref::softmax_xent(a);
    DeviceBuffer<float> dzv(*be_, z), ddz(*be_, static_cast<size_t>(n)), dl(*be_, static_cast<size_t>(rows));
    ddz.poison();
    dl.poison();
    a.z = dzv.get(), a.target = target.view(weighted), a.dz = ddz.get(), a.row_loss = dl.get();
    be_->softmax_xent(a);
    EXPECT_TRUE(all_close(ref_dz, ddz.download(), kAtol, kRtol)) << "softmax gradient, weighted " << weighted;
    EXPECT_TRUE(all_close(ref_loss, dl.download(), 1e-3f, 1e-4f)) << "softmax row losses, weighted " << weighted;
  }
}

TEST_P(DenseParity, RankLosses) {
  // Rows of 0, 1 and many sampled scores; the positive anywhere in the row, absent in some rows;
  // repeated scores (a target sampled again as a negative). One block per row: at most 61 rows.
  const int64_t rows = std::min<int64_t>(c_.rows, 61);
  std::vector<int32_t> row_ptr{0};
  std::vector<float> z, t;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t len = r % 7 == 0 ? r % 2 : 1 + (r * 37 + c_.cols) % (c_.cols + 3);
    const int64_t pos = r % 5 == 4 ? -1 : (r * 13) % std::max<int64_t>(len, 1);
    for (int64_t k = 0; k < len; ++k) {
      z.push_back(k % 4 == 3 && !z.empty() ? z.back() : random_vector(1, rng_, -3.0f, 3.0f)[0]);
      t.push_back(k == pos ? 1.0f : 0.0f);
    }
    row_ptr.push_back(static_cast<int32_t>(z.size()));
  }
  const size_t n = z.size();
  for (RankLoss kind : {RankLoss::xent, RankLoss::bpr_max, RankLoss::top1_max, RankLoss::bpr, RankLoss::top1}) {
    std::vector<float> ref_dz(n), ref_loss(static_cast<size_t>(rows));
    RankLossArgs a{kind, rows, row_ptr.data(), z.data(), t.data(), 0.5f, 0.75f, ref_dz.data(), ref_loss.data()};
    ref::rank_loss(a);
    DeviceBuffer<int32_t> dp(*be_, row_ptr);
    DeviceBuffer<float> dzv(*be_, z), dt(*be_, t), ddz(*be_, n), dl(*be_, static_cast<size_t>(rows));
    ddz.poison();
    dl.poison();
    a.row_ptr = dp.get(), a.z = dzv.get(), a.target = dt.get(), a.dz = ddz.get(), a.row_loss = dl.get();
    be_->rank_loss(a);
    EXPECT_TRUE(all_close(ref_dz, ddz.download(), kAtol, kRtol)) << "rank loss gradient " << static_cast<int>(kind);
    EXPECT_TRUE(all_close(ref_loss, dl.download(), 1e-4f, 1e-4f)) << "rank loss rows " << static_cast<int>(kind);
  }
}

TEST_P(DenseParity, GruCellForwardAndBackward) {
  const int64_t rows = c_.rows, hidden = c_.cols, n = rows * hidden;
  const auto gx = random_vector(static_cast<size_t>(3 * n), rng_, -2.0f, 2.0f);
  const auto gh = random_vector(static_cast<size_t>(3 * n), rng_, -2.0f, 2.0f);
  const auto hp = random_vector(static_cast<size_t>(n), rng_), dh = random_vector(static_cast<size_t>(n), rng_);
  const auto dhp0 = random_vector(static_cast<size_t>(n), rng_);
  std::vector<float> h(n), cache(4 * n), dgx(3 * n), dgh(3 * n), dhp = dhp0;
  ref::gru_forward({rows, hidden, gx.data(), gh.data(), hp.data(), h.data(), cache.data()});
  ref::gru_backward({rows, hidden, dh.data(), cache.data(), hp.data(), dgx.data(), dgh.data(), dhp.data()});
  DeviceBuffer<float> d_gx(*be_, gx), d_gh(*be_, gh), d_hp(*be_, hp), d_dh(*be_, dh), d_dhp(*be_, dhp0);
  DeviceBuffer<float> d_h(*be_, static_cast<size_t>(n)), d_cache(*be_, static_cast<size_t>(4 * n));
  DeviceBuffer<float> d_dgx(*be_, static_cast<size_t>(3 * n)), d_dgh(*be_, static_cast<size_t>(3 * n));
  d_h.poison(), d_cache.poison(), d_dgx.poison(), d_dgh.poison();
  be_->gru_forward({rows, hidden, d_gx.get(), d_gh.get(), d_hp.get(), d_h.get(), d_cache.get()});
  EXPECT_TRUE(all_close(h, d_h.download(), kAtol, kRtol)) << "GRU h";
  EXPECT_TRUE(all_close(cache, d_cache.download(), kAtol, kRtol)) << "GRU gates";
  be_->gru_backward({rows, hidden, d_dh.get(), d_cache.get(), d_hp.get(), d_dgx.get(), d_dgh.get(), d_dhp.get()});
  EXPECT_TRUE(all_close(dgx, d_dgx.download(), kAtol, kRtol)) << "GRU dgx";
  EXPECT_TRUE(all_close(dgh, d_dgh.download(), kAtol, kRtol)) << "GRU dgh";
  EXPECT_TRUE(all_close(dhp, d_dhp.download(), kAtol, kRtol)) << "GRU dh_prev (accumulated)";
}

TEST_P(DenseParity, OptimizerUpdates) {
  const int64_t n = c_.rows * c_.cols;
  std::vector<int32_t> rows;  // every other row, listed in reverse: lazy updates touch only these
  for (int64_t r = c_.rows - 1; r >= 0; r -= 2) rows.push_back(static_cast<int32_t>(r));
  for (OptKind kind : {OptKind::sgd, OptKind::adam, OptKind::adagrad, OptKind::rprop}) {
    for (bool lazy : {false, true}) {
      auto w = random_vector(n, rng_), s1 = random_vector(n, rng_, 0.01f, 0.1f),
           s2 = random_vector(n, rng_, -0.1f, 0.1f);
      if (kind == OptKind::adam) s2 = random_vector(n, rng_, 0.0f, 0.1f);  // a second moment is non-negative
      auto g = random_vector(n, rng_);
      DeviceBuffer<float> dw(*be_, w), ds1(*be_, s1), ds2(*be_, s2), dg(*be_, g);
      DeviceBuffer<int32_t> drows(*be_, rows);
      OptArgs o{};
      o.kind = kind, o.rows = lazy ? static_cast<int64_t>(rows.size()) : c_.rows, o.width = c_.cols;
      o.row_ids = lazy ? rows.data() : nullptr, o.w = w.data(), o.g = g.data(), o.s1 = s1.data(), o.s2 = s2.data();
      o.lr = 0.05f, o.momentum = 0.9f, o.weight_decay = 0.01f, o.step = 3, o.consume_gradient = lazy;
      ref::optimizer_update(o);
      o.row_ids = lazy ? drows.get() : nullptr, o.w = dw.get(), o.g = dg.get(), o.s1 = ds1.get(), o.s2 = ds2.get();
      be_->optimizer_update(o);
      const std::string what = "kind " + std::to_string(static_cast<int>(kind)) + " lazy " + std::to_string(lazy);
      EXPECT_TRUE(all_close(w, dw.download(), kAtol, kRtol)) << what;
      EXPECT_TRUE(all_close(s1, ds1.download(), kAtol, kRtol)) << what;
      EXPECT_TRUE(all_close(s2, ds2.download(), kAtol, kRtol)) << what;
      EXPECT_TRUE(all_close(g, dg.download(), 0.0f, 0.0f)) << what << ": gradient after the update";
    }
  }
}

SR_INSTANTIATE_ON_ALL_BACKENDS(DenseParity, kDenseCases, dense_name);

// ---- batched top-K ------------------------------------------------------------------------------

struct TopKCase {
  const char* name;
  int64_t rows, cols;
  bool ties;  // scores drawn from a few values, so ties are everywhere
};
const TopKCase kTopKCases[] = {
    {"empty", 0, 9, false}, {"one_col", 3, 1, false}, {"ties", 5, 50, true}, {"odd", 4, 67, false}};

std::string topk_name(const ::testing::TestParamInfo<CaseParam>& info) {
  const TopKCase& c = kTopKCases[std::get<1>(info.param)];
  return std::string(c.name) + "_" + std::to_string(c.rows) + "x" + std::to_string(c.cols);
}

using TopKParity = BackendParity<TopKCase, kTopKCases>;

TEST_P(TopKParity, MatchesSortWithTiesExclusionsAndAnyK) {
  Backend* be = be_.get();
  const TopKCase& c = c_;
  std::mt19937_64& rng = rng_;
  std::vector<float> scores = random_vector(c.rows * c.cols, rng);
  if (c.ties)
    for (auto& s : scores) s = std::round(s * 2.0f);  // five distinct values
  if (!scores.empty()) scores[scores.size() / 2] = std::numeric_limits<float>::quiet_NaN();
  // Exclude about a third of each row's columns (sorted), and every column of row 1.
  std::vector<int32_t> ptr{0}, cols;
  std::bernoulli_distribution drop(0.33);
  for (int64_t r = 0; r < c.rows; ++r) {
    for (int32_t col = 0; col < c.cols; ++col)
      if (r == 1 || drop(rng)) cols.push_back(col);
    ptr.push_back(static_cast<int32_t>(cols.size()));
  }
  DeviceBuffer<float> ds(*be, scores);
  DeviceBuffer<int32_t> dptr(*be, ptr), dcols(*be, cols);
  for (int k : {1, 3, static_cast<int>(c.cols), static_cast<int>(c.cols) + 2}) {
    std::vector<int32_t> ref_i(c.rows * k);
    std::vector<float> ref_s(c.rows * k);
    TopKArgs t;
    t.rows = c.rows, t.cols = c.cols, t.scores = scores.data(), t.exclude_ptr = ptr.data(),
    t.exclude_cols = cols.data();
    t.k = k, t.out_index = ref_i.data(), t.out_score = ref_s.data();
    ref::topk(t);
    DeviceBuffer<int32_t> di(*be, ref_i.size());
    DeviceBuffer<float> dsc(*be, ref_s.size());
    di.upload(std::vector<int32_t>(ref_i.size(), -7));
    dsc.poison();
    t.scores = ds.get(), t.exclude_ptr = dptr.get(), t.exclude_cols = dcols.get(), t.out_index = di.get(),
    t.out_score = dsc.get();
    be->topk(t);
    const auto got_i = di.download();
    EXPECT_EQ(ref_i, got_i) << "k " << k;
    EXPECT_TRUE(all_close(ref_s, dsc.download(), 0.0f, 0.0f)) << "k " << k;
    for (int64_t r = 0; r < c.rows; ++r)  // never an excluded column
      for (int j = 0; j < k; ++j) {
        const int32_t col = got_i[r * k + j];
        if (col >= 0) {
          EXPECT_FALSE(std::binary_search(cols.begin() + ptr[r], cols.begin() + ptr[r + 1], col));
        }
      }
    // The same scores stored transposed (cols x rows) and read through strides.
    std::vector<float> transposed(scores.size());
    for (int64_t r = 0; r < c.rows; ++r)
      for (int64_t col = 0; col < c.cols; ++col) transposed[col * c.rows + r] = scores[r * c.cols + col];
    DeviceBuffer<float> dt(*be, transposed);
    di.upload(std::vector<int32_t>(ref_i.size(), -7));
    t.scores = dt.get(), t.row_stride = 1, t.col_stride = c.rows;
    be->topk(t);
    EXPECT_EQ(ref_i, di.download()) << "k " << k << ", transposed scores";
  }
}

SR_INSTANTIATE_ON_ALL_BACKENDS(TopKParity, kTopKCases, topk_name);

}  // namespace
}  // namespace sr::test
