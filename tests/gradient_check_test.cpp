// Finite-difference checks of every layer's backward pass: a small net using each layer is
// differentiated analytically (backward) and numerically (central differences of the loss in
// double-checked float32), on the CPU and on the CUDA kernels under the emulator.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/net/exec.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

constexpr float kStep = 1e-2f;       // central-difference step: float32 losses need a coarse one
constexpr double kRelTol = 2e-2;     // |analytic - numeric| <= kRelTol·max(|numeric|, kFloor)
constexpr double kFloor = 5e-2;
constexpr size_t kEntriesPerParam = 12;  // spread over each parameter; the emulator makes each costly

struct NetCase {
  const char* name;
  bool dense_stack, dropout, corrupt, bce;
  Act hidden_act, out_act;
  bool softmax = false;  // a dense logits layer and the multinomial loss instead of a sparse output
};

const NetCase kCases[] = {
    {"sparse_dense_sigmoid_to_sparse_output", false, false, false, false, Act::sigmoid, Act::identity},
    {"dense_stack_tanh_relu", true, false, false, false, Act::tanh, Act::identity},
    {"with_dropout_and_corruption", true, true, true, false, Act::sigmoid, Act::identity},
    {"bce_sigmoid_output", true, false, false, true, Act::relu, Act::sigmoid},
    {"multinomial_full_softmax", true, false, true, false, Act::tanh, Act::identity, true},
};

Net build(const NetCase& c, int64_t width) {
  Net net("gradcheck");
  Var x = net.sparse_input("x", width);
  Var xin = c.corrupt ? net.corrupt(x, 0.3f, "corrupt") : x;
  Var h = net.dense(xin, 7, c.hidden_act, "h1");
  if (c.dropout) h = net.dropout(h, 0.25f, "drop");
  if (c.dense_stack) h = net.dense(h, 5, Act::tanh, "h2");
  if (c.softmax) {
    net.minimize(multinomial(net.dense(h, width, Act::identity, "logits"), x));
    return net;
  }
  Var y = net.sparse_output(h, width, c.out_act, x, "out");
  net.minimize(c.bce ? masked_bce(y, x) : masked_mse(y, x));
  return net;
}

using GradientCheck = BackendParity<NetCase, kCases>;

TEST_P(GradientCheck, BackwardMatchesFiniteDifferences) {
  Backend* be = be_.get();
  const NetCase& c = c_;
  std::mt19937_64& rng = rng_;
  CsrShape shape{"grad", 6, 11, 0.4};
  HostCsr data = random_csr(shape, rng);
  if (c.bce)
    for (auto& v : data.val) v = v > 0.0f ? 1.0f : 0.0f;  // binary targets
  Net net = build(c, data.cols);
  Exec ex(net, *be, 7);
  // Random parameters, except that the first layer's pre-activations are kept far from 0 (small
  // weights, biases of ±1 by unit): a ReLU near its kink has no derivative for finite differences
  // to measure, and both of its branches are still exercised (units always on, units always off).
  for (Param* p : net.params()) {
    std::vector<float> v = random_vector(static_cast<size_t>(p->rows * p->cols), rng, -0.5f, 0.5f);
    if (p->name == "h1.weight")
      for (auto& x : v) x *= 0.1f;
    if (p->name == "h1.bias")
      for (size_t j = 0; j < v.size(); ++j) v[j] = j % 2 ? -1.0f : 1.0f;
    p->w.upload(v);
  }
  const SparseBatch batch(*be, data);
  ex.bind(net.input("x"), &batch);

  ex.rewind_draws();
  ex.forward(true);
  ex.backward();
  for (Param* p : net.params()) {
    const std::vector<float> analytic = p->g.to_host();
    std::vector<float> w = p->w.to_host();
    int checked = 0;
    for (size_t i = 0; i < w.size(); i += 1 + w.size() / kEntriesPerParam) {
      const float saved = w[i];
      w[i] = saved + kStep;
      p->w.upload(w);
      ex.rewind_draws();
      const double up = ex.forward(true);
      w[i] = saved - kStep;
      p->w.upload(w);
      ex.rewind_draws();
      const double down = ex.forward(true);
      w[i] = saved;
      p->w.upload(w);
      const double numeric = (up - down) / (2.0 * kStep);
      EXPECT_NEAR(analytic[i], numeric, kRelTol * std::max(std::fabs(numeric), kFloor))
          << "parameter " << p->name << " element " << i;
      ++checked;
    }
    EXPECT_GT(checked, 0) << p->name;
  }
}

std::string name_of(const ::testing::TestParamInfo<CaseParam>& info) { return kCases[std::get<1>(info.param)].name; }

SR_INSTANTIATE_ON_ALL_BACKENDS(GradientCheck, kCases, name_of);

}  // namespace
}  // namespace sr::test
