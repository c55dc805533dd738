// Finite-difference checks of every layer's backward pass: a small net using each layer is
// differentiated analytically (backward) and numerically (central differences of the loss in
// double-checked float32), on the CPU and on the CUDA kernels under the emulator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "engine/data/batchers.h"
#include "engine/net/exec.h"
#include "engine/train/adversarial_step.h"
#include "engine/train/session_trainer.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

constexpr float kStep = 1e-2f;    // central-difference step: float32 losses need a coarse one
constexpr double kRelTol = 2e-2;  // |analytic - numeric| <= kRelTol·max(|numeric|, kFloor)
constexpr double kFloor = 5e-2;
constexpr size_t kEntriesPerParam = 12;  // spread over each parameter; the emulator makes each costly

struct NetCase {
  const char* name;
  bool dense_stack, dropout, corrupt, bce;
  Act hidden_act, out_act;
  bool softmax = false;  // a dense logits layer and the multinomial loss instead of a sparse output
  bool vae = false;      // a Gaussian sample with its KL term before the logits
};

const NetCase kCases[] = {
    {"sparse_dense_sigmoid_to_sparse_output", false, false, false, false, Act::sigmoid, Act::identity},
    {"dense_stack_tanh_relu", true, false, false, false, Act::tanh, Act::identity},
    {"with_dropout_and_corruption", true, true, true, false, Act::sigmoid, Act::identity},
    {"bce_sigmoid_output", true, false, false, true, Act::relu, Act::sigmoid},
    {"multinomial_full_softmax", true, false, true, false, Act::tanh, Act::identity, true},
    {"vae_gaussian_sample_with_kl", true, false, false, false, Act::tanh, Act::identity, true, true},
};

Net build(const NetCase& c, int64_t width) {
  Net net("gradcheck");
  Var x = net.sparse_input("x", width);
  Var xin = c.corrupt ? net.corrupt(x, 0.3f, "corrupt") : x;
  Var h = net.dense(xin, 7, c.hidden_act, "h1");
  if (c.dropout) h = net.dropout(h, 0.25f, "drop");
  if (c.dense_stack) h = net.dense(h, 5, Act::tanh, "h2");
  if (c.vae) h = net.gaussian_sample(net.dense(h, 6, Act::identity, "posterior"), 0.7f, 0, "z");
  if (c.softmax) {
    net.minimize(multinomial(net.dense(h, width, Act::identity, "logits"), x));
    return net;
  }
  Var y = net.sparse_output(h, width, c.out_act, x, "out");
  net.minimize(c.bce ? masked_bce(y, x) : masked_mse(y, x));
  return net;
}

// Compares every parameter's backward gradient, at entries spread over it, with central
// differences of the loss of the batch bound in `ex`.
void expect_gradients_match(Exec& ex, Net& net) {
  ex.draws().rewind();
  ex.forward(true);
  ex.backward();
  for (const Param* p : net.params()) {
    const std::vector<float> analytic = ex.gradient(*p).g.to_host();
    std::vector<float> w = ex.params().weights(*p).to_host();
    int checked = 0;
    for (size_t i = 0; i < w.size(); i += 1 + w.size() / kEntriesPerParam) {
      const float saved = w[i];
      auto central = [&](float step) {  // (L(w + step) - L(w - step)) / 2 step
        w[i] = saved + step;
        ex.params().weights(*p).upload(w);
        ex.draws().rewind();
        const double up = ex.forward(true);
        w[i] = saved - step;
        ex.params().weights(*p).upload(w);
        ex.draws().rewind();
        const double down = ex.forward(true);
        return (up - down) / (2.0 * static_cast<double>(step));
      };
      // Richardson: the central difference's error is c·step² + O(step⁴), so (4·D(h/2) - D(h)) / 3
      // cancels it (sharply curved losses, NARM's cosine decoder at scale 10, were misread by a
      // coarse step alone). Over 300 seeds on the CPU, failing runs went from 9 to 6; the other 6
      // were float32 rounding of a large loss (see the pair nets' labels).
      const double numeric = (4.0 * central(kStep / 2) - central(kStep)) / 3.0;
      w[i] = saved;
      ex.params().weights(*p).upload(w);
      EXPECT_NEAR(analytic[i], numeric, kRelTol * std::max(std::fabs(numeric), kFloor))
          << "parameter " << p->name << " element " << i;
      ++checked;
    }
    EXPECT_GT(checked, 0) << p->name;
  }
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
  for (const Param* p : net.params()) {
    std::vector<float> v = random_vector(static_cast<size_t>(p->rows * p->cols), rng, -0.5f, 0.5f);
    if (p->name == "h1.weight")
      for (auto& x : v) x *= 0.1f;
    if (p->name == "h1.bias")
      for (size_t j = 0; j < v.size(); ++j) v[j] = j % 2 ? -1.0f : 1.0f;
    ex.params().weights(*p).upload(v);
  }
  const SparseBatch batch(*be, data);
  ex.bind(net.input("x"), &batch);

  expect_gradients_match(ex, net);
}

std::string name_of(const ::testing::TestParamInfo<CaseParam>& info) { return kCases[std::get<1>(info.param)].name; }

SR_INSTANTIATE_ON_ALL_BACKENDS(GradientCheck, kCases, name_of);

// ---- pair nets: embeddings, concat, multiply, dot and sum, a score per row against a label ----

struct PairCase {
  const char* name;
  enum Kind { gmf, mlp, neumf, biased_mf, deepfm, dcn_full, dcn_low_rank } kind;
};
const PairCase kPairCases[] = {
    {"gmf_embedding_multiply_bce", PairCase::gmf},
    {"mlp_embedding_concat_dense_bce", PairCase::mlp},
    {"neumf_both_concatenated", PairCase::neumf},
    {"biased_mf_dot_sum_mse", PairCase::biased_mf},
    // Over a third field of several weighted values per row (a multi-valued side field).
    {"deepfm_fm_linear_and_tower", PairCase::deepfm},
    {"dcnv2_full_rank_cross", PairCase::dcn_full},
    {"dcnv2_low_rank_cross", PairCase::dcn_low_rank},
};
constexpr int64_t kTags = 7;  // the side field's width

bool has_tags(const PairCase& c) { return c.kind >= PairCase::deepfm; }

Net build_pair(const PairCase& c, int64_t users, int64_t items) {
  Net net("pairs");
  Var u = net.sparse_input("user", users), i = net.sparse_input("item", items), label = net.sparse_input("label", 1);
  if (c.kind == PairCase::biased_mf) {
    Var p = net.embedding(u, 4, "p", 0.5f), q = net.embedding(i, 4, "q", 0.5f);
    Var y = net.sum({net.dot(p, q, "pq"), net.embedding(u, 1, "bu", 0.5f), net.embedding(i, 1, "bi", 0.5f)}, "y");
    net.minimize(masked_mse(y, label));
    return net;
  }
  if (has_tags(c)) {
    const Var tags = net.sparse_input("item:tags", kTags);
    const Var e = net.concat(
        {net.embedding(u, 3, "eu", 0.5f), net.embedding(i, 3, "ei", 0.5f), net.embedding(tags, 3, "et", 0.5f)}, "e");
    Var y;
    if (c.kind == PairCase::deepfm) {
      y = net.sum({net.fm(e, 3, "fm"), net.dense(net.dense(e, 4, Act::tanh, "t1"), 1, Act::identity, "t2"),
                   net.embedding(tags, 1, "lt", 0.5f)},
                  "y");
    } else {
      const int64_t rank = c.kind == PairCase::dcn_low_rank ? 2 : 0;
      const Var x = net.cross(e, net.cross(e, e, rank, "c1"), rank, "c2");
      y = net.dense(x, 1, Act::identity, "out");
    }
    net.minimize(masked_bce(y, label));
    return net;
  }
  std::vector<Var> parts;
  if (c.kind != PairCase::mlp)
    parts.push_back(net.multiply(net.embedding(u, 3, "gu", 0.5f), net.embedding(i, 3, "gi", 0.5f), "g"));
  if (c.kind != PairCase::gmf) {
    Var x = net.concat({net.embedding(u, 3, "mu", 0.5f), net.embedding(i, 2, "mi", 0.5f)}, "m");
    parts.push_back(net.dense(x, 4, Act::tanh, "m1"));
  }
  Var h = parts.size() == 1 ? parts[0] : net.concat(parts, "both");
  net.minimize(masked_bce(net.dense(h, 1, Act::identity, "out"), label));
  return net;
}

using PairGradientCheck = BackendParity<PairCase, kPairCases>;

TEST_P(PairGradientCheck, BackwardMatchesFiniteDifferences) {
  const int64_t users = 5, items = 6, n = 11;  // more pairs than ids: rows repeat in a batch
  std::vector<int32_t> u(n), i(n);
  std::vector<float> label(n);
  for (int64_t k = 0; k < n; ++k) {
    u[k] = static_cast<int32_t>(rng_() % users), i[k] = static_cast<int32_t>(rng_() % items);
    // Ratings centred (-1 to 1 by halves, not 1 to 5): the float32 loss of 1-to-5 labels is ~150,
    // whose rounding (1 ulp = 1.5e-5) over the step reads as 1.5e-3 of slope and failed ~2% of seeds.
    label[k] = c_.kind == PairCase::biased_mf ? 0.5f * static_cast<float>(static_cast<int>(rng_() % 5) - 2)
                                              : static_cast<float>(rng_() % 2);
  }
  Net net = build_pair(c_, users, items);
  Exec ex(net, *be_, 3);
  for (const Param* p : net.params())
    ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f));
  const SparseBatch su(*be_, one_hot_rows(u, users)), si(*be_, one_hot_rows(i, items));
  const SparseBatch sl(*be_, one_hot_rows(std::vector<int32_t>(n, 0), 1, &label));
  ex.bind(net.input("user"), &su);
  ex.bind(net.input("item"), &si);
  ex.bind(net.input("label"), &sl);
  // Row k's tags: up to three of kTags, weighted 1/count as the field tables weigh them.
  HostCsr tags;
  tags.rows = n, tags.cols = kTags;
  for (int64_t k = 0; k < n; ++k) {
    const int count = static_cast<int>(rng_() % 4);  // 0: a row without the field
    for (int t = 0; t < count; ++t) tags.col_idx.push_back((static_cast<int32_t>(k) + 2 * t) % kTags);
    std::sort(tags.col_idx.begin() + tags.row_ptr.back(), tags.col_idx.end());
    tags.val.resize(tags.col_idx.size(), count > 0 ? 1.0f / static_cast<float>(count) : 0.0f);
    tags.row_ptr.push_back(static_cast<int32_t>(tags.col_idx.size()));
  }
  const SparseBatch st(*be_, tags);
  if (has_tags(c_)) ex.bind(net.input("item:tags"), &st);
  expect_gradients_match(ex, net);
}

std::string pair_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kPairCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(PairGradientCheck, kPairCases, pair_name);

// ---- the shift layer (two-tower's logQ correction): offsets per column of a block pattern under
// the ranking softmax, or per entry of any pattern ----

struct ShiftCase {
  const char* name;
  bool block;
};
const ShiftCase kShiftCases[] = {{"logq_per_column_of_a_block", true}, {"offsets_per_entry", false}};

using ShiftGradientCheck = BackendParity<ShiftCase, kShiftCases>;

TEST_P(ShiftGradientCheck, AddsTheOffsetsAndPassesTheGradientThrough) {
  const int64_t items = 13, rows = 5;
  Net net("shift");
  Var x = net.sparse_input("x", items), t = net.sparse_input("t", items), o = net.sparse_input("o", items);
  Var y = net.sparse_output(net.dense(x, 4, Act::tanh, "h"), items, Act::identity, t, "out");
  Var shifted = net.shift(y, o, "shift");
  net.minimize(c_.block ? ranking(RankLoss::xent, shifted, t) : masked_mse(shifted, t));
  Exec ex(net, *be_, 3);
  for (const Param* p : net.params())
    ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f));
  const HostCsr xs = random_csr({"x", rows, items, 0.4}, rng_);
  HostCsr ts, os;
  if (c_.block) {  // every row scores the batch's targets and 3 draws; one offset per column
    std::vector<int32_t> targets, draws;
    for (int64_t r = 0; r < rows; ++r) targets.push_back(static_cast<int32_t>(rng_() % items));
    for (int d = 0; d < 3; ++d) draws.push_back(static_cast<int32_t>(rng_() % items));
    ts = sampled_next(targets, draws, items);
    os.rows = 1, os.cols = items;
    os.col_idx = targets;
    os.col_idx.insert(os.col_idx.end(), draws.begin(), draws.end());
    os.row_ptr = {0, static_cast<int32_t>(os.col_idx.size())};
  } else {
    ts = random_csr({"t", rows, items, 0.5}, rng_);
    os = ts;
  }
  // Offsets of a size that keeps the squared error's sum small: with offsets in [-2, 2] it reached
  // about 100, whose float32 rounding (an ulp of 8e-6 over a step of 0.01) misread a gradient of
  // 0.011 by 14 % (the emulator, seed 6675174610660).
  os.val = random_vector(os.col_idx.size(), rng_, -0.5f, 0.5f);
  const SparseBatch bx(*be_, xs), bt(*be_, ts), bo(*be_, os);
  ex.bind(x, &bx), ex.bind(t, &bt), ex.bind(o, &bo);
  ex.forward(true);
  const std::vector<float> got = ex.slot(shifted).value.to_host(), base = ex.slot(y).value.to_host();
  ASSERT_EQ(got.size(), static_cast<size_t>(ts.nnz()));
  for (size_t k = 0; k < got.size(); ++k) {
    const float offset = c_.block ? os.val[k % os.val.size()] : os.val[k];
    EXPECT_FLOAT_EQ(got[k], base[k] + offset) << "entry " << k;
  }
  expect_gradients_match(ex, net);
  for (int pass = 0; pass < 2; ++pass) ex.forward(true), ex.backward();  // nothing of a pass stays behind
  EXPECT_EQ(ex.slot(y).grad.to_host(), ex.slot(shifted).grad.to_host());
}

std::string shift_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kShiftCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(ShiftGradientCheck, kShiftCases, shift_name);

// ---- session nets: the GRU layer (one step, carried state, resets) under each output and loss ----

struct SessionCase {
  const char* name;
  bool full_softmax;
  RankLoss loss;
  bool embedding = false;  // a learned embedding (GEMM into the GRU) instead of one-hot (gather)
};
const SessionCase kSessionCases[] = {
    {"gru_one_hot_full_softmax", true, RankLoss::xent},
    {"gru_embedding_dropout_full_softmax", true, RankLoss::xent, true},
    {"gru_sampled_xent", false, RankLoss::xent},
    {"gru_sampled_bpr_max", false, RankLoss::bpr_max, true},
    {"gru_sampled_top1_max", false, RankLoss::top1_max},
    {"gru_sampled_bpr", false, RankLoss::bpr},
    {"gru_sampled_top1", false, RankLoss::top1},
};

using SessionGradientCheck = BackendParity<SessionCase, kSessionCases>;

TEST_P(SessionGradientCheck, BackwardMatchesFiniteDifferencesFromACarriedState) {
  const int64_t items = 9, lanes = 5;
  Net net("session");
  Var item = net.sparse_input("item", items), next = net.sparse_input("next", items);
  Var x = c_.embedding ? net.embedding(item, 3, "emb", 0.5f) : item;
  Var h = net.gru(x, 4, "gru");
  if (c_.embedding) h = net.dropout(h, 0.2f, "drop");
  if (c_.full_softmax)
    net.minimize(multinomial(net.dense(h, items, Act::identity, "out"), next));
  else
    net.minimize(ranking(c_.loss, net.sparse_output(h, items, Act::identity, next, "out"), next, 0.5f));
  Exec ex(net, *be_, 5);
  for (const Param* p : net.params())
    ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f));
  auto ids = [&](int64_t n) {
    std::vector<int32_t> v(static_cast<size_t>(n));
    for (auto& i : v) i = static_cast<int32_t>(rng_() % items);
    return v;
  };
  // Three steps carry a state (lane 2 starts a new sequence before the third, so it checks a
  // zero state beside non-zero ones), then the gradient check repeats the third step.
  std::vector<std::unique_ptr<SparseBatch>> keep;
  for (int t = 0; t < 3; ++t) {
    if (t == 2) ex.reset_state({2});
    const std::vector<int32_t> targets = ids(lanes);
    keep.push_back(std::make_unique<SparseBatch>(*be_, one_hot_rows(ids(lanes), items)));
    keep.push_back(std::make_unique<SparseBatch>(
        *be_, c_.full_softmax ? one_hot_rows(targets, items) : sampled_next(targets, ids(4), items)));
    ex.bind(item, keep[keep.size() - 2].get());
    ex.bind(next, keep.back().get());
    if (t < 2) ex.forward(true);
  }
  ex.state().set_carry(false);
  expect_gradients_match(ex, net);
}

std::string session_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kSessionCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(SessionGradientCheck, kSessionCases, session_name);

// ---- sequence nets: the GRU through time over left-padded prefixes (lengths 1 to T), NARM's
// attention, last step, concat and the tied decoder; STAMP's session mean, attention over
// embeddings and trilinear decoder ----

enum class Head { last_state, narm, stamp };
struct SequenceCase {
  const char* name;
  Head head;           // last_state: the GRU's last state into a dense softmax
  float cosine_scale;  // the tied decoder's (0: plain dot products)
};
const SequenceCase kSequenceCases[] = {{"gru_through_time_last_state", Head::last_state, 0.0f},
                                       {"narm_attention_tied_decoder", Head::narm, 0.0f},
                                       {"narm_cosine_decoder", Head::narm, 3.0f},
                                       {"stamp_memory_attention_trilinear", Head::stamp, 0.0f},
                                       {"stamp_cosine_decoder", Head::stamp, 3.0f}};

using SequenceGradientCheck = BackendParity<SequenceCase, kSequenceCases>;

TEST_P(SequenceGradientCheck, BackwardMatchesFiniteDifferencesOverPaddedPrefixes) {
  const int64_t items = 7, steps = 4;
  Net net("sequence");
  Var clicks = net.sparse_input("clicks", items), mask = net.sparse_input("mask", 1),
      next = net.sparse_input("next", items);
  Var e = net.embedding(clicks, 3, "emb", 0.5f);
  if (c_.head == Head::stamp) {
    Var x = net.dropout(e, 0.2f, "drop");
    Var last = net.last_step(x, steps, "last");
    Var memory = net.mean_steps(x, mask, steps, "memory");
    Var general = net.attention(x, net.concat({last, memory}, "query"), steps, "att");
    Var h = net.multiply(net.dense(general, 3, Act::tanh, "hs"), net.dense(last, 3, Act::tanh, "ht"), "tri");
    net.minimize(multinomial(net.tied_output(h, e, true, "dec", c_.cosine_scale), next));
  } else {
    Var states = net.gru_sequence(net.dropout(e, 0.2f, "drop"), 4, mask, steps, "gru");
    Var last = net.last_step(states, steps, "last");
    if (c_.head == Head::narm) {
      Var c = net.concat({net.attention(states, last, steps, "att"), last}, "ctx");
      net.minimize(multinomial(
          net.tied_output(net.dense(c, 3, Act::identity, "bilinear"), e, true, "dec", c_.cosine_scale), next));
    } else {
      net.minimize(multinomial(net.dense(last, items, Act::identity, "out"), next));
    }
  }
  Exec ex(net, *be_, 9);
  for (const Param* p : net.params())
    ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f));
  // Prefixes of lengths 1, 4 (full), 6 (truncated to its last 4) and 2.
  std::vector<std::vector<int32_t>> prefixes = {{3}, {1, 2, 3, 4}, {6, 5, 4, 3, 2, 1}, {0, 6}};
  std::vector<std::span<const int32_t>> spans(prefixes.begin(), prefixes.end());
  const PrefixInputs in = prefix_inputs(spans, steps, items);
  const SparseBatch c(*be_, in.clicks), m(*be_, in.mask), t(*be_, one_hot_rows({5, 0, 2, 6}, items));
  ex.bind(clicks, &c);
  ex.bind(mask, &m);
  ex.bind(next, &t);
  expect_gradients_match(ex, net);
}

std::string sequence_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kSequenceCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(SequenceGradientCheck, kSequenceCases, sequence_name);

// STAMP's session memory forward: each prefix's mean embedding over its real steps only (a prefix
// shorter than T divides by its length, not T), against the host.
const SequenceCase kMeanCases[] = {{"mean_of_real_steps", Head::stamp, 0.0f}};
using MeanStepsForward = BackendParity<SequenceCase, kMeanCases>;

TEST_P(MeanStepsForward, IsTheMeanOfEachPrefixsRealSteps) {
  const int64_t items = 9, steps = 5, dim = 4;
  Net net("memory");
  Var clicks = net.sparse_input("clicks", items), mask = net.sparse_input("mask", 1),
      next = net.sparse_input("next", items);
  Var e = net.embedding(clicks, dim, "emb");
  Var memory = net.mean_steps(e, mask, steps, "memory");
  net.minimize(multinomial(net.tied_output(memory, e, false, "dec"), next));
  Exec ex(net, *be_, 3);
  const std::vector<float> table = random_vector(static_cast<size_t>(items * dim), rng_, -1.0f, 1.0f);
  ex.params().weights(*net.params()[0]).upload(table);
  std::vector<std::vector<int32_t>> prefixes = {{3}, {1, 2, 3, 4, 5}, {8, 7, 6, 5, 4, 3, 2}, {0, 8}, {4, 4, 1}};
  std::vector<std::span<const int32_t>> spans(prefixes.begin(), prefixes.end());
  const PrefixInputs in = prefix_inputs(spans, steps, items);
  const SparseBatch c(*be_, in.clicks), m(*be_, in.mask), t(*be_, one_hot_rows({5, 0, 2, 6, 1}, items));
  ex.bind(clicks, &c);
  ex.bind(mask, &m);
  ex.bind(next, &t);
  ex.forward(false);
  const std::vector<float> got = ex.slot(memory).value.to_host();
  ASSERT_EQ(got.size(), prefixes.size() * dim);
  for (size_t b = 0; b < prefixes.size(); ++b) {
    const size_t len = std::min<size_t>(prefixes[b].size(), steps);
    for (int64_t d = 0; d < dim; ++d) {
      double sum = 0.0;
      for (size_t j = prefixes[b].size() - len; j < prefixes[b].size(); ++j) sum += table[prefixes[b][j] * dim + d];
      EXPECT_NEAR(got[b * dim + d], sum / static_cast<double>(len), 1e-5) << "prefix " << b << ", column " << d;
    }
  }
}

std::string mean_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kMeanCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(MeanStepsForward, kMeanCases, mean_name);

// ---- a character CNN (the cold-start hybrid's title model): embedded characters, a 1-D
// convolution over time-major steps, max-pooling over the positions, a dense head and a sparse
// output under the logistic loss ----

struct CharCnnCase {
  const char* name;
  int64_t filter_width;
  Act act;
};
const CharCnnCase kCharCnnCases[] = {{"conv_width_3_tanh_max_pool", 3, Act::tanh},
                                     {"conv_width_1_identity_max_pool", 1, Act::identity}};
using CharCnnGradientCheck = BackendParity<CharCnnCase, kCharCnnCases>;

// Characters of 4 titles over `steps` steps, time-major (row t·B + b is character t of title b), no
// character twice in a title (steps <= chars): two equal windows would tie exactly in the max.
HostCsr title_chars(int64_t steps, int64_t chars, std::mt19937_64& rng) {
  std::vector<int32_t> ids(static_cast<size_t>(4 * steps)), perm(static_cast<size_t>(chars));
  for (int64_t b = 0; b < 4; ++b) {
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    for (int64_t t = 0; t < steps; ++t) ids[static_cast<size_t>(t * 4 + b)] = perm[static_cast<size_t>(t)];
  }
  return one_hot_rows(ids, chars);
}

Net char_cnn(const CharCnnCase& c, int64_t chars, int64_t steps, int64_t users, Var* conv = nullptr,
             Var* pooled_out = nullptr) {
  Net net("charcnn");
  Var x = net.sparse_input("chars", chars), target = net.sparse_input("target", users);
  Var e = net.embedding(x, 3, "emb", 0.5f);
  Var h = net.conv1d(e, 4, c.filter_width, steps, c.act, "conv");
  if (conv) *conv = h;
  Var pooled = net.max_steps(h, steps - c.filter_width + 1, "pool");
  if (pooled_out) *pooled_out = pooled;
  Var y = net.sparse_output(net.dense(pooled, 3, Act::tanh, "head"), users, Act::identity, target, "out");
  net.minimize(masked_bce(y, target));
  return net;
}

TEST_P(CharCnnGradientCheck, BackwardMatchesFiniteDifferences) {
  const int64_t chars = 7, steps = 6, users = 5, B = 4, F = 4, P = steps - c_.filter_width + 1;
  Var conv;
  Net net = char_cnn(c_, chars, steps, users, &conv);
  Exec ex(net, *be_, 4);
  HostCsr targets = random_csr({"targets", B, users, 0.6}, rng_);
  for (auto& v : targets.val) v = v > 0.0f ? 1.0f : 0.0f;
  const SparseBatch x(*be_, title_chars(steps, chars, rng_)), t(*be_, targets);
  ex.bind(net.input("chars"), &x);
  ex.bind(net.input("target"), &t);
  // The max is not differentiable where two positions tie: a finite difference that crosses a tie
  // measures a mix of two slopes. Weights are drawn until every title's best position leads the
  // next by more than a step of kStep can move them (0.05 at these sizes).
  double gap = 0.0;
  for (int draw = 0; draw < 200 && gap <= 0.05; ++draw) {
    for (const Param* p : net.params())
      ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f));
    ex.forward(false);
    const std::vector<float> h = ex.slot(conv).value.to_host();
    gap = 1e30;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t f = 0; f < F; ++f) {
        float first = -1e30f, second = -1e30f;
        for (int64_t p = 0; p < P; ++p) {
          const float v = h[static_cast<size_t>((p * B + b) * F + f)];
          if (v > first)
            second = first, first = v;
          else if (v > second)
            second = v;
        }
        if (P > 1) gap = std::min(gap, static_cast<double>(first - second));
      }
  }
  ASSERT_GT(gap, 0.05) << "no draw of weights kept the positions apart";
  expect_gradients_match(ex, net);
}

// The convolution and the pooling against the host: conv[t·B + b] = act(bias + Σ_k e[c(t + k, b)]·W_k)
// and pooled[b] = max_t conv[t·B + b].
TEST_P(CharCnnGradientCheck, ForwardIsTheHostsConvolutionAndMax) {
  const int64_t chars = 7, steps = 6, users = 5, B = 4, E = 3, F = 4, w = c_.filter_width, P = steps - w + 1;
  Var conv, pool;
  Net net = char_cnn(c_, chars, steps, users, &conv, &pool);
  Exec ex(net, *be_, 4);
  std::map<std::string, std::vector<float>> values;
  for (const Param* p : net.params()) {
    values[p->name] = random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f);
    ex.params().weights(*p).upload(values[p->name]);
  }
  const HostCsr in = title_chars(steps, chars, rng_);
  const SparseBatch x(*be_, in), t(*be_, random_csr({"targets", B, users, 0.6}, rng_));
  ex.bind(net.input("chars"), &x);
  ex.bind(net.input("target"), &t);
  ex.forward(false);
  const std::vector<float> got = ex.slot(conv).value.to_host(), pooled = ex.slot(pool).value.to_host();
  ASSERT_EQ(got.size(), static_cast<size_t>(P * B * F));
  const std::vector<float>&emb = values["emb.weight"], &wt = values["conv.weight"], &bias = values["conv.bias"];
  for (int64_t b = 0; b < B; ++b)
    for (int64_t f = 0; f < F; ++f) {
      double best = -1e30;
      for (int64_t p = 0; p < P; ++p) {
        double z = bias[f];
        for (int64_t k = 0; k < w; ++k)
          for (int64_t d = 0; d < E; ++d) z += emb[in.col_idx[(p + k) * B + b] * E + d] * wt[(k * E + d) * F + f];
        const double want = c_.act == Act::tanh ? std::tanh(z) : z;
        EXPECT_NEAR(got[(p * B + b) * F + f], want, 1e-5) << "title " << b << ", position " << p << ", filter " << f;
        best = std::max(best, want);
      }
      EXPECT_NEAR(pooled[b * F + f], best, 1e-5) << "title " << b << ", filter " << f;
    }
}

std::string char_cnn_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kCharCnnCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(CharCnnGradientCheck, kCharCnnCases, char_cnn_name);

// ---- the skip-gram net (Prod2vec): an embedding of each pair's centre scored at its context and
// negatives (the sampled dot primitive) under the logistic loss; rows of unequal length, an item
// that is a centre and a negative in one batch, a negative drawn twice in a row ----

struct SkipGramCase {
  const char* name;
};
const SkipGramCase kSkipGramCases[] = {{"skip_gram_negative_sampling"}};

using SkipGramGradientCheck = BackendParity<SkipGramCase, kSkipGramCases>;

TEST_P(SkipGramGradientCheck, BackwardMatchesFiniteDifferencesAtTheSampledPattern) {
  const int64_t items = 8;
  Net net("skip_gram");
  Var center = net.sparse_input("center", items), context = net.sparse_input("context", items);
  Var u = net.embedding(center, 3, "input_vectors", 0.5f);
  net.minimize(masked_bce(net.sparse_output(u, items, Act::identity, context, "output_vectors"), context));
  Exec ex(net, *be_, 3);
  for (const Param* p : net.params())
    ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng_, -0.8f, 0.8f));
  HostCsr pattern;  // row r: its context (value 1), then its negatives (0)
  pattern.rows = 4, pattern.cols = items;
  pattern.row_ptr = {0, 3, 7, 9, 13};
  pattern.col_idx = {2, 5, 7, /**/ 0, 3, 3, 6, /**/ 4, 1, /**/ 1, 2, 6, 0};
  pattern.val = {1, 0, 0, /**/ 1, 0, 0, 0, /**/ 1, 0, /**/ 1, 0, 0, 0};
  const SparseBatch c(*be_, one_hot_rows({1, 4, 2, 1}, items)), x(*be_, pattern);
  ex.bind(center, &c);
  ex.bind(context, &x);
  expect_gradients_match(ex, net);
}

std::string skip_gram_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kSkipGramCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(SkipGramGradientCheck, kSkipGramCases, skip_gram_name);

// ---- a conditional GAN over purchase vectors (CFGAN): the discriminator input's masking, and the
// adversarial step's two gradients (engine/train/adversarial_step.h) ----

struct GanCase {
  const char* name;
  float mask_ratio;
};
const GanCase kGanCases[] = {{"partial_masking_half", 0.5f}, {"no_partial_masking", 0.0f}};
using GanGradientCheck = BackendParity<GanCase, kGanCases>;

constexpr int64_t kGanUsers = 5, kGanItems = 9;

struct GanNet {
  Net net{"gan"};
  Var c, r, x, z;
};
// G: purchases → tanh 4 → r̂ (n); D: [e | v] → tanh 3 → a logit.
void build_gan(GanNet& g, float mask_ratio, int64_t items = kGanItems) {
  g.c = g.net.sparse_input("ratings", items);
  g.r = g.net.dense(g.net.dense(g.c, 4, Act::tanh, "gen_hidden"), items, Act::identity, "gen_output");
  g.x = g.net.discriminator_input(g.c, g.r, mask_ratio, "disc_input");
  g.z = g.net.dense(g.net.dense(g.x, 3, Act::tanh, "disc_hidden"), 1, Act::identity, "disc_output");
}

// Every weight of the net from U(−0.8, 0.8).
void randomize_weights(Exec& ex, const Net& net, std::mt19937_64& rng) {
  for (const Param* p : net.params())
    ex.params().weights(*p).upload(random_vector(static_cast<size_t>(p->rows * p->cols), rng, -0.8f, 0.8f));
}

HostCsr purchases(std::mt19937_64& rng) {
  HostCsr p = random_csr({"purchases", kGanUsers, kGanItems, 0.4}, rng, false);
  p.val.clear();  // one-hot: every purchase is a 1
  return p;
}

// The discriminator input through a logistic loss (labels: 1 for the real rows, 0 for the
// generated ones), against central differences under the same mask (draws rewound).
TEST_P(GanGradientCheck, DiscriminatorInputBackwardMatchesFiniteDifferences) {
  GanNet g;
  build_gan(g, c_.mask_ratio);
  Var label = g.net.sparse_input("label", 1);
  g.net.minimize(masked_bce(g.z, label));
  Exec ex(g.net, *be_, 11);
  const SparseBatch c(*be_, purchases(rng_));
  std::vector<float> real(2 * kGanUsers, 0.0f);
  std::fill(real.begin(), real.begin() + kGanUsers, 1.0f);
  const SparseBatch l(*be_, one_hot_rows(std::vector<int32_t>(2 * kGanUsers, 0), 1, &real));
  ex.bind(g.c, &c);
  ex.bind(label, &l);
  randomize_weights(ex, g.net, rng_);
  expect_gradients_match(ex, g.net);
}

// Real rows [e | e], generated rows [e | r̂ ⊙ m] with m ⊇ e, m in {0, 1}, and (with a ratio) some
// unpurchased items in m.
TEST_P(GanGradientCheck, DiscriminatorInputStacksRealAndMaskedRows) {
  GanNet g;
  build_gan(g, c_.mask_ratio);
  g.net.set_output(g.r);
  Exec ex(g.net, *be_, 5);
  const HostCsr p = purchases(rng_);
  const SparseBatch c(*be_, p);
  ex.bind(g.c, &c);
  ex.run_layers(true);
  const auto x = ex.slot(g.x).value.to_host(), r = ex.slot(g.r).value.to_host();
  const int64_t B = kGanUsers, n = kGanItems;
  ASSERT_EQ(x.size(), static_cast<size_t>(2 * B * 2 * n));
  int64_t extra = 0, unpurchased = 0;
  for (int64_t u = 0; u < B; ++u) {
    std::vector<float> e(n, 0.0f);
    for (int32_t k = p.row_ptr[u]; k < p.row_ptr[u + 1]; ++k) e[p.col_idx[k]] = 1.0f;
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_EQ(x[u * 2 * n + j], e[j]) << "real row " << u << ", condition " << j;
      EXPECT_EQ(x[u * 2 * n + n + j], e[j]) << "real row " << u << ", vector " << j;
      EXPECT_EQ(x[(B + u) * 2 * n + j], e[j]) << "generated row " << u << ", condition " << j;
      const float v = x[(B + u) * 2 * n + n + j], gen = r[u * n + j];
      if (e[j] == 1.0f) {
        EXPECT_EQ(v, gen) << "generated row " << u << ": purchase " << j << " masked out";
      } else {
        EXPECT_TRUE(v == 0.0f || v == gen) << "generated row " << u << ", item " << j;
        unpurchased += 1, extra += v != 0.0f;
      }
    }
  }
  if (c_.mask_ratio == 0.0f) {
    EXPECT_EQ(extra, 0);
  } else {
    EXPECT_GT(extra, 0) << "of " << unpurchased << " unpurchased items";
    EXPECT_LT(extra, unpurchased);
  }
}

// Partial masking draws each unpurchased item with the ratio's probability (0.2, so that a mask
// drawn at 1 − ratio would show): over 40 users x 300 items, the share of unpurchased items in the
// mask within 5 standard deviations of 0.2.
TEST_P(GanGradientCheck, PartialMaskingDrawsUnpurchasedItemsAtItsRatio) {
  const int64_t users = 40, items = 300;
  const float ratio = 0.2f;
  GanNet g;
  build_gan(g, ratio, items);
  g.net.set_output(g.r);
  Exec ex(g.net, *be_, 9);
  randomize_weights(ex, g.net, rng_);
  HostCsr p = random_csr({"purchases", users, items, 0.1}, rng_, false);
  p.val.clear();
  const SparseBatch c(*be_, p);
  ex.bind(g.c, &c);
  ex.run_layers(true);
  const auto x = ex.slot(g.x).value.to_host();
  const int64_t unpurchased = users * items - p.nnz();
  int64_t drawn = 0;
  for (int64_t u = 0; u < users; ++u)
    for (int64_t j = 0; j < items; ++j) drawn += x[(users + u) * 2 * items + items + j] != 0.0f;
  drawn -= p.nnz();  // the purchases are always in the mask (a generated value of exactly 0 is not expected)
  const double expected = ratio * static_cast<double>(unpurchased);
  const double sd = std::sqrt(expected * (1.0 - ratio));
  EXPECT_NEAR(static_cast<double>(drawn), expected, 5.0 * sd) << "of " << unpurchased << " unpurchased items";
}

double softplus_d(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// The step's gradients: G's parameters against central differences of
//   L_G = (Σ_u softplus(−z_fake,u) + α Σ_{u, j unpurchased} r̂_uj²) / B
// (zr_ratio 1: every unpurchased item), D's against those of
//   L_D = (Σ_u softplus(−z_real,u) + softplus(z_fake,u)) / B,
// and the loss it reports is L_D + L_G.
TEST_P(GanGradientCheck, AdversarialStepGradientsAreEachPlayersOwn) {
  GanNet g;
  build_gan(g, c_.mask_ratio);
  g.net.set_output(g.r);
  Exec ex(g.net, *be_, 3);
  const HostCsr p = purchases(rng_);
  const SparseBatch c(*be_, p);
  ex.bind(g.c, &c);
  randomize_weights(ex, g.net, rng_);
  const float alpha = 0.3f;
  const int64_t B = kGanUsers, n = kGanItems;
  std::vector<float> e(B * n, 0.0f);
  for (int64_t u = 0; u < B; ++u)
    for (int32_t k = p.row_ptr[u]; k < p.row_ptr[u + 1]; ++k) e[u * n + p.col_idx[k]] = 1.0f;
  auto losses = [&] {  // {L_D, L_G} at the current weights, under the rewound draws
    ex.draws().rewind();
    ex.run_layers(true);
    const auto z = ex.slot(g.z).value.to_host(), r = ex.slot(g.r).value.to_host();
    double ld = 0.0, lg = 0.0;
    for (int64_t u = 0; u < B; ++u) {
      ld += softplus_d(-z[u]) + softplus_d(z[B + u]);
      lg += softplus_d(-z[B + u]);
      for (int64_t j = 0; j < n; ++j) lg += alpha * (1.0 - e[u * n + j]) * r[u * n + j] * r[u * n + j];
    }
    return std::pair<double, double>{ld / B, lg / B};
  };
  AdversarialStep step({g.r, g.x, g.z}, 1.0f, alpha);
  ex.draws().rewind();
  const LossTicket t = step.gradients(ex, 0);
  const double reported = *ex.read_loss(t, true);
  const auto [ld0, lg0] = losses();
  EXPECT_NEAR(reported, ld0 + lg0, 1e-4 * (1.0 + std::fabs(ld0 + lg0)));
  for (const Param* q : g.net.params()) {
    const bool generator = q->name.rfind("gen_", 0) == 0;
    const std::vector<float> analytic = ex.gradient(*q).g.to_host();
    std::vector<float> w = ex.params().weights(*q).to_host();
    for (size_t i = 0; i < w.size(); i += 1 + w.size() / kEntriesPerParam) {
      const float saved = w[i];
      auto central = [&](float h) {
        auto at = [&](float v) {
          w[i] = v;
          ex.params().weights(*q).upload(w);
          const auto [ld, lg] = losses();
          return generator ? lg : ld;
        };
        return (at(saved + h) - at(saved - h)) / (2.0 * static_cast<double>(h));
      };
      const double numeric = (4.0 * central(kStep / 2) - central(kStep)) / 3.0;
      w[i] = saved;
      ex.params().weights(*q).upload(w);
      EXPECT_NEAR(analytic[i], numeric, kRelTol * std::max(std::fabs(numeric), kFloor))
          << (generator ? "L_G" : "L_D") << ", parameter " << q->name << " element " << i;
    }
  }
  // As one shard of a global batch of 2B rows: every gradient and the loss halve.
  std::vector<std::vector<float>> whole;
  for (const Param* q : g.net.params()) {
    whole.push_back(ex.gradient(*q).g.to_host());
    ex.gradient(*q).g.fill_zero();
  }
  ex.draws().rewind();
  const LossTicket half = step.gradients(ex, 2 * B);
  EXPECT_NEAR(*ex.read_loss(half, true), reported / 2, 1e-5 * (1.0 + std::fabs(reported)));
  for (size_t k = 0; k < whole.size(); ++k) {
    const std::vector<float> got = ex.gradient(*g.net.params()[k]).g.to_host();
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], whole[k][i] / 2, 1e-5f + 1e-4f * std::fabs(whole[k][i]))
          << g.net.params()[k]->name << " " << i;
  }
}

std::string gan_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kGanCases[std::get<1>(info.param)].name;
}

SR_INSTANTIATE_ON_ALL_BACKENDS(GanGradientCheck, kGanCases, gan_name);

}  // namespace
}  // namespace sr::test
