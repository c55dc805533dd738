// Microbenchmark of the three sparse primitives on the recommender-shaped cases of the op table
// (tests/op_cases.h, the one the parity suite runs), on the CPU backend and, when a GPU works, on
// CUDA beside cuSPARSE SpMM/SDDMM and cuBLAS on the densified input. Each op is first checked
// against the CPU reference on the case (as the parity suite does), then timed. Prints, per case:
// median time and effective bandwidth (bytes the op must move without cache reuse, over time); on
// the GPU also that bandwidth as a share of the measured copy bandwidth.
//   bench_ops [--quick] [--reps N] [--no-cpu]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/reference.h"
#include "kernels/device_array.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"
#include "tests/op_cases.h"
#if defined(SPARSEREC_HAVE_CUDA_BENCH)
#include "kernels/cuda/bench_gpu.h"
#endif

namespace {

using sr::test::CaseUse;
using sr::test::SparseOpCase;

double gather_bytes(const sr::HostCsr& a, int64_t w) {
  return 8.0 * a.nnz() + 4.0 * (a.rows + 1) + 4.0 * a.nnz() * w + 4.0 * a.rows * w;
}
double scatter_bytes(const sr::HostCsr& a, int64_t w, int64_t touched) {
  return 16.0 * a.nnz() + 4.0 * a.nnz() * w + 8.0 * touched * w;
}
double sddmm_bytes(const sr::HostCsr& a, int64_t w) { return 12.0 * a.nnz() + 4.0 * a.nnz() * w + 4.0 * a.rows * w; }

double median_ms(sr::Backend& be, int reps, const std::function<void()>& op) {
  op();
  be.synchronize();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    op();
    be.synchronize();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void row(const char* backend, const char* op, const SparseOpCase& c, int64_t nnz, double ms, double bytes,
         double floor_gbs) {
  const double gbs = bytes / (ms * 1e6);
  std::printf("%-8s %-22s %7lld %8lld %8.4f%% %5lld %9lld %10.3f %9.2f", backend, op,
              static_cast<long long>(c.shape.rows), static_cast<long long>(c.shape.cols), 100.0 * c.shape.density,
              static_cast<long long>(c.width), static_cast<long long>(nnz), ms, gbs);
  if (floor_gbs > 0) std::printf(" %6.1f%%", 100.0 * gbs / floor_gbs);
  std::printf("\n");
}

// The op's output against the reference's: the largest |difference| over atol + rtol·|reference|;
// above 1 the bench stops (it would time a wrong kernel).
double check(const char* backend, const char* op, const SparseOpCase& c, const std::vector<float>& ref,
             const std::vector<float>& got) {
  constexpr double kAtol = 1e-4, kRtol = 1e-4;  // float sums of up to thousands of terms in other orders
  if (ref.size() != got.size())
    throw sr::error(backend, " ", op, " on ", sr::test::case_name(c), ": ", got.size(), " outputs, the reference has ",
                    ref.size());
  double worst = 0.0;
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, std::fabs(double(got[i]) - ref[i]) / (kAtol + kRtol * std::fabs(double(ref[i]))));
  if (!(worst <= 1.0))
    throw sr::error(backend, " ", op, " on ", sr::test::case_name(c), " differs from the CPU reference (", worst,
                    " times the tolerance)");
  return worst;
}

// The reference's outputs of the three ops on a case: Y = A·W, dW = Aᵀ·D (from zero), z = (D·Wᵀ) at A.
struct Reference {
  std::vector<float> gather, scatter, sampled_dot;
};
Reference reference(const sr::HostCsr& a, const std::vector<float>& w, const std::vector<float>& d, int64_t width) {
  Reference r;
  r.gather.resize(static_cast<size_t>(a.rows * width));
  r.scatter.assign(static_cast<size_t>(a.cols * width), 0.0f);
  r.sampled_dot.resize(static_cast<size_t>(a.nnz()));
  const sr::CsrView view{a.row_ptr.data(), a.col_idx.data(), a.val.data(), a.rows, a.cols, a.nnz()};
  sr::GatherArgs g;
  g.a = view, g.w = w.data(), g.width = width, g.y = r.gather.data();
  sr::ref::gather(g);
  sr::ScatterArgs s;
  s.a = view, s.vals = a.val.data(), s.d = d.data(), s.width = width, s.dw = r.scatter.data();
  sr::ref::scatter(s);
  sr::SampledDotArgs sd;
  sd.pattern = view, sd.h = d.data(), sd.v = w.data(), sd.width = width, sd.z = r.sampled_dot.data();
  sr::ref::sampled_dot(sd);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, cpu = true;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--no-cpu"))
      cpu = false;
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_ops [--quick] [--reps N] [--no-cpu]\n");
      return 2;
    }
  }
  const std::vector<int> cases = sr::test::sparse_cases(quick ? CaseUse::quick : CaseUse::bench);
  std::printf("%-8s %-22s %7s %8s %9s %5s %9s %10s %9s %7s\n", "backend", "op", "rows", "cols", "density", "width",
              "nnz", "median_ms", "eff_GB/s", "of_copy");
  try {
    for (const int index : cases) {
      const SparseOpCase& c = sr::test::kSparseOpCases[index];
      std::mt19937_64 rng(42);
      const sr::HostCsr a = sr::test::random_csr(c.shape, rng);
      const sr::HostTouchedColumns t = sr::touched_columns(a);
      const int64_t touched = static_cast<int64_t>(t.touched.size()), rows = c.shape.rows, cols = c.shape.cols;
      const std::vector<float> w = sr::test::random_vector(static_cast<size_t>(cols * c.width), rng);
      const std::vector<float> d = sr::test::random_vector(static_cast<size_t>(rows * c.width), rng);
      const Reference ref = reference(a, w, d, c.width);
      double worst = 0.0;
      if (cpu) {
        auto be = sr::make_cpu_backend();
        const sr::SparseBatch b(*be, a);
        sr::Tensor tw = sr::Tensor::from_host(*be, w, cols, c.width), td = sr::Tensor::from_host(*be, d, rows, c.width);
        sr::Tensor y(*be, rows, c.width), z(*be, a.nnz(), 1), dw = sr::Tensor::zeros(*be, cols, c.width);
        sr::GatherArgs g;
        g.a = b.view(), g.w = tw.data(), g.width = c.width, g.y = y.data();
        sr::ScatterArgs s;
        s.a = b.view(false), s.at = b.touched_view(), s.vals = b.values(), s.d = td.data(), s.width = c.width,
        s.dw = dw.data();
        sr::SampledDotArgs sd;
        sd.pattern = b.view(false), sd.h = td.data(), sd.v = tw.data(), sd.width = c.width, sd.z = z.data();
        be->gather(g), be->scatter(s), be->sampled_dot(sd);
        worst = std::max({check("cpu", "gather", c, ref.gather, y.to_host()),
                          check("cpu", "scatter", c, ref.scatter, dw.to_host()),
                          check("cpu", "sampled_dot", c, ref.sampled_dot, z.to_host())});
        row("cpu", "gather", c, a.nnz(), median_ms(*be, reps, [&] { be->gather(g); }), gather_bytes(a, c.width), 0);
        row("cpu", "scatter_deterministic", c, a.nnz(), median_ms(*be, reps, [&] { be->scatter(s); }),
            scatter_bytes(a, c.width, touched), 0);
        row("cpu", "sampled_dot", c, a.nnz(), median_ms(*be, reps, [&] { be->sampled_dot(sd); }),
            sddmm_bytes(a, c.width), 0);
      }
#if defined(SPARSEREC_HAVE_CUDA_BENCH)
      if (sr::cuda_device_count() > 0) {
        const sr::GpuPrimitiveTimes g = sr::bench_gpu_primitives(0, a, w, d, c.width, reps);
        worst = std::max({worst, check("cuda", "gather", c, ref.gather, g.gather_out),
                          check("cuda", "scatter", c, ref.scatter, g.scatter_out),
                          check("cuda", "sampled_dot", c, ref.sampled_dot, g.sampled_dot_out)});
        const double f = g.copy_bandwidth_gbs;
        row("cuda", "gather", c, a.nnz(), g.gather_ms, gather_bytes(a, c.width), f);
        row("cuda", "cusparse_spmm", c, a.nnz(), g.cusparse_spmm_ms, gather_bytes(a, c.width), f);
        if (g.cublas_dense_ms > 0)
          row("cuda", "cublas_densified", c, a.nnz(), g.cublas_dense_ms,
              4.0 * static_cast<double>(rows * cols + cols * c.width + rows * c.width), f);
        row("cuda", "scatter_deterministic", c, a.nnz(), g.scatter_deterministic_ms, scatter_bytes(a, c.width, touched),
            f);
        row("cuda", "scatter_atomic", c, a.nnz(), g.scatter_atomic_ms, scatter_bytes(a, c.width, touched), f);
        row("cuda", "sampled_dot", c, a.nnz(), g.sampled_dot_ms, sddmm_bytes(a, c.width), f);
        row("cuda", "cusparse_sddmm", c, a.nnz(), g.cusparse_sddmm_ms, sddmm_bytes(a, c.width), f);
        std::printf("cuda     copy bandwidth %.1f GB/s; gather vs cuSPARSE max |diff| %.3g\n", f, g.max_abs_diff_spmm);
      }
#endif
      std::printf("check    %s: every output within %.2f of the tolerance of the CPU reference\n",
                  sr::test::case_name(c).c_str(), worst);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ops: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
