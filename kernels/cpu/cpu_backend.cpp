// The CPU backend: the reference loops of kernels/cpu (parallel over independent outputs with
// OpenMP), GEMM through the BLAS, and a scatter that is parallel over touched columns.
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "engine/backend.h"
#include "engine/error.h"
#include "kernels/cpu/blas_gemm.h"
#include "kernels/cpu/reference.h"
#include "kernels/cpu/vectorize.h"

namespace sr {
namespace {

constexpr size_t kAlignment = 64;  // a cache line; also what SIMD loads like

// dW[touched[t], :] += Σ_e vals[src[e]] · D[row_idx[e], :], one touched column per task. Each
// column's sum runs in the CSR's order, so the result is the same for any thread count.
SR_CPU_HOT void scatter_by_touched_columns(const ScatterArgs& s) {
  const TouchedColumnsView& at = s.at;
#pragma omp parallel for schedule(dynamic, 8) if (ref::parallel_worth(s.a.nnz * s.width))
  for (int64_t t = 0; t < at.n_touched; ++t) {
    std::vector<float> acc(static_cast<size_t>(s.width), 0.0f);
    for (int32_t e = at.col_ptr[t]; e < at.col_ptr[t + 1]; ++e) {
      const float v = s.vals ? s.vals[at.src[e]] : 1.0f;
      const float* d = s.d + static_cast<int64_t>(at.row_idx[e]) * s.width;
      for (int64_t c = 0; c < s.width; ++c) acc[c] += v * d[c];
    }
    float* dw = s.dw + static_cast<int64_t>(at.touched[t]) * s.width;
    for (int64_t c = 0; c < s.width; ++c) dw[c] += acc[c];
  }
}

class CpuBackend final : public Backend {
 public:
  Device device() const override { return {DeviceKind::cpu, 0}; }
  std::string describe() const override { return "cpu"; }

  void* allocate(size_t bytes) override {
    const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
    if (!p) throw error("cpu: out of memory allocating ", bytes, " bytes");
    return p;
  }
  void release(void* p, size_t) override { std::free(p); }
  void upload(void* dst, const void* src, size_t n) override { copy(dst, src, n); }
  void download(void* dst, const void* src, size_t n) override { copy(dst, src, n); }
  void copy(void* dst, const void* src, size_t n) override {
    if (n) std::memmove(dst, src, n);
  }
  void synchronize() override {}

  void gather(const GatherArgs& a) override { ref::gather(a); }
  void scatter(const ScatterArgs& a, ScatterMode) override {
    // Both modes take the deterministic path on the CPU: it is also the fast one here.
    if (a.at.touched) {
      scatter_by_touched_columns(a);
    } else {
      ref::scatter(a);
    }
  }
  void sampled_dot(const SampledDotArgs& a) override { ref::sampled_dot(a); }
  void gemm(const GemmArgs& a) override { cpu_blas_gemm(a); }
  void bias_act(const BiasActArgs& a) override { ref::bias_act(a); }
  void act_backward(const ActBackwardArgs& a) override { ref::act_backward(a); }
  void col_sum(const ColSumArgs& a) override { ref::col_sum(a); }
  void axpby(const AxpbyArgs& a) override { ref::axpby(a); }
  void dropout(const DropoutArgs& a) override { ref::dropout(a); }
  void elementwise(const ElementwiseArgs& a) override { ref::elementwise(a); }
  void loss(const LossArgs& a) override { ref::loss(a); }
  void softmax_xent(const SoftmaxXentArgs& a) override { ref::softmax_xent(a); }
  void rank_loss(const RankLossArgs& a) override { ref::rank_loss(a); }
  void gru_forward(const GruForwardArgs& a) override { ref::gru_forward(a); }
  void gru_backward(const GruBackwardArgs& a) override { ref::gru_backward(a); }
  void optimizer_update(const OptArgs& a) override { ref::optimizer_update(a); }
  void topk(const TopKArgs& a) override { ref::topk(a); }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace sr
