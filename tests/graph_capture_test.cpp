// Graph capture (Backend::begin_capture / end_capture / Graph::replay): a captured sequence of ops
// replayed equals the same ops run directly, bit for bit, on every backend — the emulator replays
// its recorded kernel launches and library calls, the CPU its recorded op calls, a GPU its CUDA
// graph. A replay counts one launch and no host sync; whatever would wait for the device inside a
// capture is refused, and memory released during a capture is held for the replays (AddressSanitizer
// sees a replay that used freed memory: this test runs in the sanitizer builds).
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/backend.h"
#include "kernels/sparse_batch.h"
#include "tests/error_expect.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

struct CaptureCase {
  const char* name;
  CsrShape shape;
  int64_t width;
};
const CaptureCase kCaptureCases[] = {
    {"small_w13", {"a", 9, 23, 0.3}, 13},
    {"long_row_w40", {"b", 5, 70, 0.2, true}, 40},
};

std::string capture_name(const ::testing::TestParamInfo<CaseParam>& info) {
  return kCaptureCases[std::get<1>(info.param)].name;
}

using GraphCapture = BackendParity<CaptureCase, kCaptureCases>;

// The buffers of a small training-like step: hidden rows from the sparse rows (gather), their
// scores at the rows' pairs (sampled dot), a projection (GEMM), the item gradient (scatter), an SGD
// update (with momentum) of the touched item rows, and device copies through a buffer the step frees.
struct StepBuffers {
  StepBuffers(Backend& be, const HostCsr& a, int64_t width, std::mt19937_64& rng)
      : batch(be, a),
        w(be, random_vector(static_cast<size_t>(a.cols * width), rng)),
        bias(be, random_vector(static_cast<size_t>(width), rng)),
        v(be, random_vector(static_cast<size_t>(a.cols * width), rng)),
        p(be, random_vector(static_cast<size_t>(width * width), rng)),
        h(be, static_cast<size_t>(a.rows * width)),
        hp(be, static_cast<size_t>(a.rows * width)),
        h_saved(be, static_cast<size_t>(a.rows * width)),
        z(be, static_cast<size_t>(a.nnz() > 0 ? a.nnz() : 1)),
        gv(be, std::vector<float>(static_cast<size_t>(a.cols * width), 0.0f)),
        momentum(be, std::vector<float>(static_cast<size_t>(a.cols * width), 0.0f)),
        width_(width) {}

  void step(Backend& be) {
    const int64_t rows = batch.rows(), width = width_;
    be.gather({.a = batch.view(), .w = w.get(), .width = width, .bias = bias.get(), .act = Act::sigmoid, .y = h.get()});
    be.gemm({.m = rows,
             .n = width,
             .k = width,
             .a = h.get(),
             .lda = width,
             .b = p.get(),
             .ldb = width,
             .c = hp.get(),
             .ldc = width});
    be.sampled_dot({.pattern = batch.view(false), .h = hp.get(), .v = v.get(), .width = width, .z = z.get()});
    be.scatter({.a = batch.view(false),
                .at = batch.touched_view(),
                .vals = z.get(),
                .d = h.get(),
                .width = width,
                .dw = gv.get()});
    OptArgs o;
    o.kind = OptKind::sgd, o.rows = batch.n_touched(), o.width = width, o.row_ids = batch.touched();
    o.w = v.get(), o.g = gv.get(), o.s1 = momentum.get(), o.lr = 0.05f, o.momentum = 0.5f, o.consume_gradient = true;
    be.optimizer_update(o);
    // Through a buffer freed inside the step: a capture must keep it for its replays.
    const size_t bytes = static_cast<size_t>(rows * width) * sizeof(float);
    void* tmp = be.allocate(bytes);
    be.copy(tmp, h.get(), bytes);
    be.copy(h_saved.get(), tmp, bytes);
    be.release(tmp, bytes);
  }

  SparseBatch batch;
  DeviceBuffer<float> w, bias, v, p, h, hp, h_saved, z, gv, momentum;
  int64_t width_;
};

TEST_P(GraphCapture, ReplaysEqualDirectExecution) {
  Backend& be = *be_;
  const HostCsr a = random_csr(c_.shape, rng_);
  const uint64_t seed = rng_();
  std::mt19937_64 r1(seed), r2(seed);
  StepBuffers direct(be, a, c_.width, r1), captured(be, a, c_.width, r2);
  constexpr int kSteps = 3;
  for (int s = 0; s < kSteps; ++s) direct.step(be);

  const std::vector<float> v_before = captured.v.download();
  be.begin_capture();
  captured.step(be);
  const auto graph = be.end_capture();
  EXPECT_EQ(graph->ops(), 5) << "gather, gemm, sampled dot, scatter, optimizer";
  const bool kernels = be.device().kind != DeviceKind::cpu;  // the CPU runs ops, not kernels
  if (kernels) {
    EXPECT_GE(graph->launches(), 5);
  }
  // Nothing ran during the capture: the outputs still hold what they were made with.
  EXPECT_EQ(captured.gv.download(), std::vector<float>(static_cast<size_t>(a.cols * c_.width), 0.0f));
  EXPECT_EQ(captured.v.download(), v_before);

  be.reset_counters();
  for (int s = 0; s < kSteps; ++s) graph->replay();
  const Backend::Counters c = be.counters();
  EXPECT_EQ(c.launches, kernels ? kSteps : 0) << "a replay is one launch";
  EXPECT_EQ(c.host_syncs, 0);
  EXPECT_EQ(c.ops, kSteps * graph->ops());

  EXPECT_EQ(captured.v.download(), direct.v.download()) << "item rows after " << kSteps << " SGD steps";
  EXPECT_EQ(captured.h.download(), direct.h.download());
  EXPECT_EQ(captured.hp.download(), direct.hp.download());
  EXPECT_EQ(captured.z.download(), direct.z.download());
  EXPECT_EQ(captured.h_saved.download(), direct.h_saved.download());
  EXPECT_EQ(captured.gv.download(), direct.gv.download()) << "consumed gradients";
}

TEST_P(GraphCapture, WaitingForTheDeviceInsideACaptureIsRefused) {
  Backend& be = *be_;
  DeviceBuffer<float> x(be, std::vector<float>{1, 2, 3}), y(be, 3);
  float host[3] = {0, 0, 0};
  be.begin_capture();
  expect_error([&] { be.synchronize(); }, {"a synchronize", "graph is being captured"});
  expect_error([&] { be.download(host, x.get(), sizeof host); }, {"a blocking download", "captured"});
  expect_error([&] { be.upload(y.get(), host, sizeof host); }, {"a blocking upload", "captured"});
  expect_error([&] { be.record(Backend::Lane::compute); }, {"a marker", "captured"});
  expect_error([&] { be.begin_capture(); }, {"captured already"});
  be.copy(y.get(), x.get(), sizeof host);
  const auto graph = be.end_capture();
  expect_error([&] { be.end_capture(); }, {"without begin_capture"});
  // The backend runs ops again, and the graph holds the one copy.
  graph->replay();
  EXPECT_EQ(y.download(), (std::vector<float>{1, 2, 3}));
}

SR_INSTANTIATE_ON_ALL_BACKENDS(GraphCapture, kCaptureCases, capture_name);

}  // namespace
}  // namespace sr::test
