// Row-major GEMM through CBLAS.
#include "kernels/cpu/blas_gemm.h"

#if defined(SPARSEREC_HAVE_BLAS)
#include <cblas.h>
#else
#include "kernels/cpu/reference.h"
#endif

namespace sr {

void cpu_blas_gemm(const GemmArgs& g) {
#if defined(OPENBLAS_VERSION)
  // The reference ops run on OpenMP threads that spin between loops; OpenBLAS's own pool spinning
  // beside them oversubscribes the cores (NCF's MLP on 2 cores: 2.5 s an epoch against 1.0 s with
  // one BLAS thread; AutoRec's larger GEMMs were not faster with two). One BLAS thread, set once.
  static const bool single = (openblas_set_num_threads(1), true);
  (void)single;
#endif
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) {  // BLAS leaves C untouched when k = 0 only if beta = 1; make C = beta·C explicit
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) g.c[i * g.ldc + j] = g.beta == 0.0f ? 0.0f : g.beta * g.c[i * g.ldc + j];
    return;
  }
#if defined(SPARSEREC_HAVE_BLAS)
  cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans, g.trans_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(g.m), static_cast<int>(g.n), static_cast<int>(g.k), g.alpha, g.a,
              static_cast<int>(g.lda), g.b, static_cast<int>(g.ldb), g.beta, g.c, static_cast<int>(g.ldc));
#else
  ref::gemm(g);
#endif
}

}  // namespace sr
