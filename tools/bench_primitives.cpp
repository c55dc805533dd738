// Microbenchmark of the three sparse primitives on recommender-shaped inputs (thousands of rows,
// tens of thousands to millions of columns, density 0.01 %–2 %, widths 64–1024), on the CPU backend
// and, when a GPU works, on CUDA beside cuSPARSE SpMM/SDDMM and cuBLAS on the densified input.
// Prints, per case: median time and effective bandwidth (bytes the op must move without cache
// reuse, over time); on the GPU also that bandwidth as a share of the measured copy bandwidth.
//   bench_primitives [--quick] [--reps N] [--no-cpu]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/sparse_batch.h"
#include "engine/tensor.h"
#if defined(SPARSEREC_HAVE_CUDA_BENCH)
#include "kernels/cuda/bench_gpu.h"
#endif

namespace {

struct Case {
  int64_t rows, cols;
  double density;
  int64_t width;
};

// Full set: shapes of a recommender batch. --quick keeps the CPU run to seconds.
const Case kCases[] = {
    {4096, 20000, 0.02, 64},     {4096, 20000, 0.02, 256},  {4096, 100000, 0.001, 256},
    {2048, 1000000, 0.0001, 128}, {1024, 17770, 0.02, 1024}, {4096, 480189, 0.0002, 500},
};
const Case kQuick[] = {{1024, 20000, 0.02, 64}, {1024, 100000, 0.001, 256}, {512, 17770, 0.02, 512}};

sr::HostCsr make_csr(const Case& c, uint64_t seed) {
  // Long-tailed column popularity (Zipf-like), as in real rating data.
  std::mt19937_64 rng(seed);
  sr::HostCsr h;
  h.rows = c.rows;
  h.cols = c.cols;
  const double per_row = c.density * static_cast<double>(c.cols);
  std::poisson_distribution<int> count(per_row);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_real_distribution<float> v(1.0f, 5.0f);
  for (int64_t r = 0; r < c.rows; ++r) {
    std::vector<int32_t> cols;
    const int n = std::min<int>(count(rng), static_cast<int>(c.cols));
    for (int i = 0; i < n; ++i) cols.push_back(static_cast<int32_t>(std::pow(u(rng), 2.0) * static_cast<double>(c.cols)));
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (int32_t col : cols) {
      h.col_idx.push_back(col);
      h.val.push_back(v(rng));
    }
    h.row_ptr.push_back(static_cast<int32_t>(h.col_idx.size()));
  }
  return h;
}

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

void row(const char* backend, const char* op, const Case& c, int64_t nnz, double ms, double bytes, double floor_gbs) {
  const double gbs = bytes / (ms * 1e6);
  std::printf("%-8s %-22s %7lld %8lld %8.4f%% %5lld %9lld %10.3f %9.2f", backend, op, static_cast<long long>(c.rows),
              static_cast<long long>(c.cols), 100.0 * c.density, static_cast<long long>(c.width),
              static_cast<long long>(nnz), ms, gbs);
  if (floor_gbs > 0) std::printf(" %6.1f%%", 100.0 * gbs / floor_gbs);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, cpu = true;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--no-cpu")) cpu = false;
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_primitives [--quick] [--reps N] [--no-cpu]\n");
      return 2;
    }
  }
  std::vector<Case> cases = quick ? std::vector<Case>(std::begin(kQuick), std::end(kQuick))
                                  : std::vector<Case>(std::begin(kCases), std::end(kCases));
  std::printf("%-8s %-22s %7s %8s %9s %5s %9s %10s %9s %7s\n", "backend", "op", "rows", "cols", "density", "width",
              "nnz", "median_ms", "eff_GB/s", "of_copy");
  try {
    for (const Case& c : cases) {
      const sr::HostCsr a = make_csr(c, 42);
      const sr::HostTouchedColumns t = sr::touched_columns(a);
      if (cpu) {
        auto be = sr::make_cpu_backend();
        const sr::SparseBatch b(*be, a);
        sr::Tensor w = sr::Tensor::zeros(*be, c.cols, c.width), y(*be, c.rows, c.width), z(*be, a.nnz(), 1);
        sr::Tensor d = sr::Tensor::zeros(*be, c.rows, c.width), dw = sr::Tensor::zeros(*be, c.cols, c.width);
        sr::GatherArgs g;
        g.a = b.view(), g.w = w.data(), g.width = c.width, g.y = y.data();
        row("cpu", "gather", c, a.nnz(), median_ms(*be, reps, [&] { be->gather(g); }), gather_bytes(a, c.width), 0);
        sr::ScatterArgs s;
        s.a = b.view(false), s.at = b.touched_view(), s.vals = b.values(), s.d = d.data(), s.width = c.width, s.dw = dw.data();
        row("cpu", "scatter_deterministic", c, a.nnz(),
            median_ms(*be, reps, [&] { be->scatter(s, sr::ScatterMode::deterministic); }),
            scatter_bytes(a, c.width, static_cast<int64_t>(t.touched.size())), 0);
        sr::SampledDotArgs sd;
        sd.pattern = b.view(false), sd.h = d.data(), sd.v = w.data(), sd.width = c.width, sd.z = z.data();
        row("cpu", "sampled_dot", c, a.nnz(), median_ms(*be, reps, [&] { be->sampled_dot(sd); }), sddmm_bytes(a, c.width), 0);
      }
#if defined(SPARSEREC_HAVE_CUDA_BENCH)
      if (sr::cuda_device_count() > 0) {
        const sr::GpuPrimitiveTimes g = sr::bench_gpu_primitives(0, a, c.width, reps);
        const double f = g.copy_bandwidth_gbs;
        const int64_t touched = static_cast<int64_t>(t.touched.size());
        row("cuda", "gather", c, a.nnz(), g.gather_ms, gather_bytes(a, c.width), f);
        row("cuda", "cusparse_spmm", c, a.nnz(), g.cusparse_spmm_ms, gather_bytes(a, c.width), f);
        if (g.cublas_dense_ms > 0)
          row("cuda", "cublas_densified", c, a.nnz(), g.cublas_dense_ms, 4.0 * (c.rows * c.cols + c.cols * c.width + c.rows * c.width), f);
        row("cuda", "scatter_deterministic", c, a.nnz(), g.scatter_deterministic_ms, scatter_bytes(a, c.width, touched), f);
        row("cuda", "scatter_atomic", c, a.nnz(), g.scatter_atomic_ms, scatter_bytes(a, c.width, touched), f);
        row("cuda", "sampled_dot", c, a.nnz(), g.sampled_dot_ms, sddmm_bytes(a, c.width), f);
        row("cuda", "cusparse_sddmm", c, a.nnz(), g.cusparse_sddmm_ms, sddmm_bytes(a, c.width), f);
        std::printf("cuda     copy bandwidth %.1f GB/s; gather vs cuSPARSE max |diff| %.3g\n", f, g.max_abs_diff_spmm);
      }
#endif
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_primitives: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
