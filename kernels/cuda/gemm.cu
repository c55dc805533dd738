// GEMM, the one op a library answers: cuBLAS on the GPU, the CPU BLAS on the emulator (whose
// memory is host memory).
#include "kernels/cuda/kernels.h"

#if defined(SPARSEREC_EMU)
#include "kernels/cpu/blas_gemm.h"
#else
#include "kernels/cuda/library_check.h"
#endif

namespace sr::SR_KERNEL_NS {

void gemm(const GemmArgs& g, const OpContext& ctx) {
  if (ctx.launches) ctx.launches->fetch_add(1, std::memory_order_relaxed);  // a library call counts one
#if defined(SPARSEREC_EMU)
  ::emu::enqueue("cublasSgemm", [g] { cpu_blas_gemm(g); });  // recorded when a graph is being captured
#else
  if (g.m == 0 || g.n == 0) return;
  // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands.
  SR_CUBLAS_CHECK(cublasSgemm(ctx.cublas, g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                              static_cast<int>(g.n), static_cast<int>(g.m), static_cast<int>(g.k), &g.alpha, g.b,
                              static_cast<int>(g.ldb), g.a, static_cast<int>(g.lda), &g.beta, g.c,
                              static_cast<int>(g.ldc)));
#endif
}

}  // namespace sr::SR_KERNEL_NS
