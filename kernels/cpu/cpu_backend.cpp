// The CPU backend: the reference loops of kernels/cpu (parallel over independent outputs with
// OpenMP), GEMM through the BLAS, and a scatter that is parallel over touched columns.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "kernels/backend.h"
#include "kernels/cpu/blas_gemm.h"
#include "kernels/cpu/reference.h"
#include "kernels/cpu/vectorize.h"

namespace sr {
namespace {

constexpr size_t kAlignment = 64;  // a cache line; also what SIMD loads like

// What the CPU backend runs for each op: the reference loop (found through the using-directive),
// except where a faster CPU path is declared here — qualified lookup of cpu_ops::name stops at a
// declaration in this namespace before it looks into ref.
namespace cpu_ops {
using namespace ref;

void gemm(const GemmArgs& a) { cpu_blas_gemm(a); }

// dW[touched[t], :] += Σ_e vals[src[e]] · D[row_idx[e], :], one touched column per task. Each
// column's sum runs in the CSR's order, so the result is the same for any thread count; both modes
// take this path (it is also the fast one here). Without the transpose: the reference loop.
SR_CPU_HOT void scatter(const ScatterArgs& s) {
  if (!s.at.touched) {
    ref::scatter(s);
    return;
  }
  const TouchedColumnsView& at = s.at;
#pragma omp parallel if (ref::parallel_worth(s.a.nnz * s.width))
  {
    std::vector<float> acc(static_cast<size_t>(s.width));  // per thread, not per column (an allocation each)
#pragma omp for schedule(dynamic, 8)
    for (int64_t t = 0; t < at.n_touched; ++t) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int32_t e = at.col_ptr[t]; e < at.col_ptr[t + 1]; ++e) {
        const float v = s.vals ? s.vals[at.src[e]] : 1.0f;
        const float* d = s.d + static_cast<int64_t>(at.row_idx[e]) * s.width;
        for (int64_t c = 0; c < s.width; ++c) acc[c] += v * d[c];
      }
      float* dw = s.dw + static_cast<int64_t>(at.touched[t]) * s.width;
      for (int64_t c = 0; c < s.width; ++c) dw[c] += acc[c];
    }
  }
}

}  // namespace cpu_ops

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

 protected:
  void do_release(void* p, size_t) override { std::free(p); }
  void do_copy(void* dst, const void* src, size_t n) override {
    if (n) std::memmove(dst, src, n);
  }
  void do_upload(void* dst, const void* src, size_t n) override { do_copy(dst, src, n); }
  void do_download(void* dst, const void* src, size_t n) override { do_copy(dst, src, n); }
  void do_synchronize() override {}

#define SR_CPU_OP(name, Args) \
  void run(const Args& a) override { cpu_ops::name(a); }
  SR_FOR_EACH_OP(SR_CPU_OP)
#undef SR_CPU_OP
};

}  // namespace

// A step's tensors are allocated and freed every step. glibc serves a block over its mmap
// threshold (128 KiB at first, raised only as such blocks are freed) by a fresh mapping whose pages
// fault in zero-filled on first touch: Prod2vec's first epoch ran at half the speed of the next
// ones in those faults. Blocks up to 64 MiB come from the heap instead, and up to 128 MiB of free
// heap stays mapped for the next step.
static void keep_step_memory_on_the_heap() {
#if defined(__GLIBC__)
  static const bool once = [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    return true;
  }();
  (void)once;
#endif
}

std::unique_ptr<Backend> make_cpu_backend() {
  keep_step_memory_on_the_heap();
  return std::make_unique<CpuBackend>();
}

}  // namespace sr
