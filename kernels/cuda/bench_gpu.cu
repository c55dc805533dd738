// See bench_gpu.h. Not part of the emulator build: it exists to time real hardware.
#include "kernels/cuda/bench_gpu.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "kernels/cuda/kernels.h"
#include "kernels/cuda/library_check.h"

namespace sr {
namespace {

constexpr size_t kMaxDensifiedBytes = size_t(1) << 30;  // cuBLAS on the dense input only up to 1 GiB

template <class T>
struct DevBuf {
  explicit DevBuf(size_t n_) : n(n_) { SR_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T))); }
  DevBuf(const std::vector<T>& h) : DevBuf(h.size()) {
    if (n) SR_CUDA_CHECK(cudaMemcpy(p, h.data(), n * sizeof(T), cudaMemcpyHostToDevice));
  }
  ~DevBuf() { cudaFree(p); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  std::vector<T> host() const {
    std::vector<T> h(n);
    if (n) SR_CUDA_CHECK(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
  }
  T* p = nullptr;
  size_t n;
};

// Median of `reps` event-timed runs after one warm-up.
double time_ms(cudaStream_t s, int reps, const std::function<void()>& op) {
  cudaEvent_t start, stop;
  SR_CUDA_CHECK(cudaEventCreate(&start));
  SR_CUDA_CHECK(cudaEventCreate(&stop));
  op();
  SR_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    SR_CUDA_CHECK(cudaEventRecord(start, s));
    op();
    SR_CUDA_CHECK(cudaEventRecord(stop, s));
    SR_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    SR_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    t.push_back(ms);
  }
  SR_CUDA_CHECK(cudaEventDestroy(start));
  SR_CUDA_CHECK(cudaEventDestroy(stop));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

GpuPrimitiveTimes bench_gpu_primitives(int device, const HostCsr& a, const std::vector<float>& w_host,
                                       const std::vector<float>& d_host, int64_t width, int reps) {
  SR_CUDA_CHECK(cudaSetDevice(device));
  cudaStream_t s;
  SR_CUDA_CHECK(cudaStreamCreate(&s));
  GpuPrimitiveTimes r;
  const HostTouchedColumns t = touched_columns(a);
  const std::vector<float> vals = a.val.empty() ? std::vector<float>(a.col_idx.size(), 1.0f) : a.val;
  DevBuf<int32_t> row_ptr(a.row_ptr), col_idx(a.col_idx), col_ptr(t.col_ptr), row_idx(t.row_idx), src(t.src),
      touched(t.touched);
  DevBuf<float> val(vals), w(w_host), y(a.rows * width), d(d_host), dw(std::vector<float>(a.cols * width, 0.0f)),
      z(a.col_idx.size()), y_ref(a.rows * width);
  const CsrView view{row_ptr.p, col_idx.p, val.p, a.rows, a.cols, a.nnz()};
  const TouchedColumnsView tview{col_ptr.p, row_idx.p, src.p, touched.p, static_cast<int64_t>(t.touched.size())};

  cuda::OpContext ctx;
  ctx.stream = s;
  GatherArgs g;
  g.a = view, g.w = w.p, g.width = width, g.y = y.p;
  r.gather_ms = time_ms(s, reps, [&] { cuda::gather(g, ctx); });
  r.gather_out = y.host();
  ScatterArgs sc;
  sc.a = view, sc.at = tview, sc.vals = val.p, sc.d = d.p, sc.width = width, sc.dw = dw.p;
  cuda::scatter(sc, ctx);  // into zeros: the output checked
  r.scatter_out = dw.host();
  r.scatter_deterministic_ms = time_ms(s, reps, [&] { cuda::scatter(sc, ctx); });
  sc.mode = ScatterMode::atomic;
  r.scatter_atomic_ms = time_ms(s, reps, [&] { cuda::scatter(sc, ctx); });
  SampledDotArgs sd;
  sd.pattern = view, sd.h = d.p, sd.v = w.p, sd.width = width, sd.z = z.p;
  r.sampled_dot_ms = time_ms(s, reps, [&] { cuda::sampled_dot(sd, ctx); });
  r.sampled_dot_out = z.host();

  // cuSPARSE: Y = A·W (SpMM) and z = (H·Vᵀ)∘spy(A) (SDDMM), row-major dense operands.
  cusparseHandle_t sp;
  SR_CUSPARSE_CHECK(cusparseCreate(&sp));
  SR_CUSPARSE_CHECK(cusparseSetStream(sp, s));
  cusparseSpMatDescr_t A;
  cusparseDnMatDescr_t W, Y, H, Vt;
  SR_CUSPARSE_CHECK(cusparseCreateCsr(&A, a.rows, a.cols, a.nnz(), row_ptr.p, col_idx.p, val.p, CUSPARSE_INDEX_32I,
                                      CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
  SR_CUSPARSE_CHECK(cusparseCreateDnMat(&W, a.cols, width, width, w.p, CUDA_R_32F, CUSPARSE_ORDER_ROW));
  SR_CUSPARSE_CHECK(cusparseCreateDnMat(&Y, a.rows, width, width, y_ref.p, CUDA_R_32F, CUSPARSE_ORDER_ROW));
  const float one = 1.0f, zero = 0.0f;
  size_t bytes = 0;
  SR_CUSPARSE_CHECK(cusparseSpMM_bufferSize(sp, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                            &one, A, W, &zero, Y, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, &bytes));
  DevBuf<char> spmm_buf(bytes);
  r.cusparse_spmm_ms = time_ms(s, reps, [&] {
    SR_CUSPARSE_CHECK(cusparseSpMM(sp, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, A, W,
                                   &zero, Y, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, spmm_buf.p));
  });
  {
    const auto ours = y.host(), theirs = y_ref.host();
    for (size_t i = 0; i < ours.size(); ++i)
      r.max_abs_diff_spmm = std::max<double>(r.max_abs_diff_spmm, std::fabs(ours[i] - theirs[i]));
  }
  // SDDMM: C (pattern of A) = H (rows x width, row-major) · Vᵀ, with V = W (cols x width, row-major),
  // i.e. Vᵀ as a width x cols column-major matrix.
  SR_CUSPARSE_CHECK(cusparseCreateDnMat(&H, a.rows, width, width, d.p, CUDA_R_32F, CUSPARSE_ORDER_ROW));
  SR_CUSPARSE_CHECK(cusparseCreateDnMat(&Vt, width, a.cols, width, w.p, CUDA_R_32F, CUSPARSE_ORDER_COL));
  cusparseSpMatDescr_t C;
  SR_CUSPARSE_CHECK(cusparseCreateCsr(&C, a.rows, a.cols, a.nnz(), row_ptr.p, col_idx.p, z.p, CUSPARSE_INDEX_32I,
                                      CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
  SR_CUSPARSE_CHECK(cusparseSDDMM_bufferSize(sp, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                             &one, H, Vt, &zero, C, CUDA_R_32F, CUSPARSE_SDDMM_ALG_DEFAULT, &bytes));
  DevBuf<char> sddmm_buf(bytes);
  r.cusparse_sddmm_ms = time_ms(s, reps, [&] {
    SR_CUSPARSE_CHECK(cusparseSDDMM(sp, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, H, Vt,
                                    &zero, C, CUDA_R_32F, CUSPARSE_SDDMM_ALG_DEFAULT, sddmm_buf.p));
  });
  SR_CUSPARSE_CHECK(cusparseDestroySpMat(A));
  SR_CUSPARSE_CHECK(cusparseDestroySpMat(C));
  SR_CUSPARSE_CHECK(cusparseDestroyDnMat(W));
  SR_CUSPARSE_CHECK(cusparseDestroyDnMat(Y));
  SR_CUSPARSE_CHECK(cusparseDestroyDnMat(H));
  SR_CUSPARSE_CHECK(cusparseDestroyDnMat(Vt));
  SR_CUSPARSE_CHECK(cusparseDestroy(sp));

  // cuBLAS on the densified input (what a framework without a sparse path does).
  if (static_cast<size_t>(a.rows) * a.cols * sizeof(float) <= kMaxDensifiedBytes) {
    std::vector<float> dense(static_cast<size_t>(a.rows * a.cols), 0.0f);
    for (int64_t row = 0; row < a.rows; ++row)
      for (int32_t k = a.row_ptr[row]; k < a.row_ptr[row + 1]; ++k) dense[row * a.cols + a.col_idx[k]] = vals[k];
    DevBuf<float> x(dense);
    cublasHandle_t bl;
    SR_CUBLAS_CHECK(cublasCreate(&bl));
    SR_CUBLAS_CHECK(cublasSetStream(bl, s));
    r.cublas_dense_ms = time_ms(s, reps, [&] {  // row-major Y = X·W as column-major Yᵀ = Wᵀ·Xᵀ
      SR_CUBLAS_CHECK(cublasSgemm(bl, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(width), static_cast<int>(a.rows),
                                  static_cast<int>(a.cols), &one, w.p, static_cast<int>(width), x.p,
                                  static_cast<int>(a.cols), &zero, y_ref.p, static_cast<int>(width)));
    });
    SR_CUBLAS_CHECK(cublasDestroy(bl));
  }

  // The bandwidth floor: a large device-to-device copy (bytes read + bytes written per second).
  {
    const size_t n = size_t(256) << 20;
    DevBuf<char> from(n), to(n);
    const double ms =
        time_ms(s, reps, [&] { SR_CUDA_CHECK(cudaMemcpyAsync(to.p, from.p, n, cudaMemcpyDeviceToDevice, s)); });
    r.copy_bandwidth_gbs = 2.0 * static_cast<double>(n) / (ms * 1e6);
  }
  SR_CUDA_CHECK(cudaStreamDestroy(s));
  return r;
}

}  // namespace sr
