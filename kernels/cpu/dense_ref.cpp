// CPU reference of the dense, elementwise, interaction and pooling ops (kernels/dense.h,
// kernels/interaction.h, kernels/pooling.h).
#include "kernels/cpu/reference.h"
#include "kernels/cpu/vectorize.h"

namespace sr::ref {

void gemm(const GemmArgs& g) {
#pragma omp parallel for if (parallel_worth(g.m * g.n * g.k))
  for (int64_t i = 0; i < g.m; ++i) {
    for (int64_t j = 0; j < g.n; ++j) {
      float acc = 0.0f;
      for (int64_t p = 0; p < g.k; ++p) {
        const float a = g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
        const float b = g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
        acc += a * b;
      }
      float& c = g.c[i * g.ldc + j];
      c = g.alpha * acc + (g.beta == 0.0f ? 0.0f : g.beta * c);  // beta = 0 ignores NaN in C, as BLAS does
    }
  }
}

SR_CPU_HOT void bias_act(const BiasActArgs& b) {
#pragma omp parallel for if (parallel_worth(b.rows * b.cols))
  for (int64_t r = 0; r < b.rows; ++r)
    for (int64_t c = 0; c < b.cols; ++c)
      b.y[r * b.cols + c] = act_forward(b.act, b.x[r * b.cols + c] + (b.bias ? b.bias[c] : 0.0f));
}

SR_CPU_HOT void act_backward(const ActBackwardArgs& a) {
#pragma omp parallel for if (parallel_worth(a.n))
  for (int64_t i = 0; i < a.n; ++i) a.dx[i] = a.dy[i] * act_derivative_from_output(a.act, a.y[i]);
}

SR_CPU_HOT void col_sum(const ColSumArgs& s) {
#pragma omp parallel for if (parallel_worth(s.rows * s.cols))
  for (int64_t c = 0; c < s.cols; ++c) {
    float acc = 0.0f;
    for (int64_t r = 0; r < s.rows; ++r) acc += s.x[r * s.cols + c];
    s.out[c] = (s.beta == 0.0f ? 0.0f : s.beta * s.out[c]) + acc;
  }
}

SR_CPU_HOT void axpby(const AxpbyArgs& a) {
#pragma omp parallel for if (parallel_worth(a.n))
  for (int64_t i = 0; i < a.n; ++i) a.y[i] = (a.x ? a.a * a.x[i] : 0.0f) + (a.b == 0.0f ? 0.0f : a.b * a.y[i]);
}

void dropout(const DropoutArgs& d) {
  const float keep_scale = 1.0f / (1.0f - d.p);
#pragma omp parallel for if (parallel_worth(d.n))
  for (int64_t i = 0; i < d.n; ++i)
    d.y[i] = uniform01(d.seed, d.offset + static_cast<uint64_t>(i)) < d.p ? 0.0f : d.x[i] * keep_scale;
}

namespace {
// copy and mul, the kinds that concatenations, products and sums of layers run every step, as
// loops the compiler vectorizes (the general loop below switches on the kind per element: on a
// DCN-v2 step it was 44 % of the time).
SR_CPU_HOT void copy_or_mul(const ElementwiseArgs& e) {
  const bool mul = e.kind == EwKind::mul;
#pragma omp parallel for if (parallel_worth(e.rows * e.cols))
  for (int64_t r = 0; r < e.rows; ++r) {
    const float* a = e.a + r * e.lda;
    const float* b = mul ? e.b + r * e.ldb : nullptr;
    float* y = e.y + r * e.ldy;
    const float alpha = e.alpha;
    if (mul && e.accumulate)
      for (int64_t c = 0; c < e.cols; ++c) y[c] += alpha * (a[c] * b[c]);
    else if (mul)
      for (int64_t c = 0; c < e.cols; ++c) y[c] = alpha * (a[c] * b[c]);
    else if (e.accumulate)
      for (int64_t c = 0; c < e.cols; ++c) y[c] += alpha * a[c];
    else
      for (int64_t c = 0; c < e.cols; ++c) y[c] = alpha * a[c];
  }
}
}  // namespace

void elementwise(const ElementwiseArgs& e) {
  if (e.kind == EwKind::copy || e.kind == EwKind::mul) return copy_or_mul(e);
  if (e.kind == EwKind::softmax_rows) {
#pragma omp parallel for if (parallel_worth(e.rows * e.cols))
    for (int64_t r = 0; r < e.rows; ++r) {
      const float* a = e.a + r * e.lda;
      float* y = e.y + r * e.ldy;
      float m = a[0];
      for (int64_t c = 1; c < e.cols; ++c) m = a[c] > m ? a[c] : m;
      float sum = 0.0f;
      for (int64_t c = 0; c < e.cols; ++c) sum += expf(a[c] - m);
      for (int64_t c = 0; c < e.cols; ++c) y[c] = expf(a[c] - m) / sum;
    }
    return;
  }
#pragma omp parallel for if (parallel_worth(e.rows * e.cols))
  for (int64_t r = 0; r < e.rows; ++r)
    for (int64_t c = 0; c < e.cols; ++c) {
      const float f = elementwise_f(e.kind, e.a[r * e.lda + c], e.b ? e.b[r * e.ldb + c] : 0.0f, e.seed,
                                    static_cast<uint64_t>(r * e.cols + c));
      float& y = e.y[r * e.ldy + c];
      y = e.alpha * f + (e.accumulate ? y : 0.0f);
    }
}

void fm_interaction(const FmInteractionArgs& a) {
  const int64_t width = a.fields * a.dim;
#pragma omp parallel for if (parallel_worth(a.rows * width))
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * width;
    if (!a.backward) {
      float y = 0.0f;
      for (int64_t d = 0; d < a.dim; ++d) {
        float s = 0.0f, q = 0.0f;
        for (int64_t f = 0; f < a.fields; ++f) s += x[f * a.dim + d], q += x[f * a.dim + d] * x[f * a.dim + d];
        y += 0.5f * (s * s - q);
      }
      a.y[r] = y;
      continue;
    }
    float* dx = a.dx + r * width;
    for (int64_t d = 0; d < a.dim; ++d) {
      float s = 0.0f;
      for (int64_t f = 0; f < a.fields; ++f) s += x[f * a.dim + d];
      for (int64_t f = 0; f < a.fields; ++f) {
        const float g = a.dy[r] * (s - x[f * a.dim + d]);
        dx[f * a.dim + d] = g + (a.accumulate ? dx[f * a.dim + d] : 0.0f);
      }
    }
  }
}

void step_max(const StepMaxArgs& a) {
  const int64_t n = a.batch * a.width;
#pragma omp parallel for if (parallel_worth(a.steps * n))
  for (int64_t i = 0; i < n; ++i) {
    if (a.backward) {
      a.dx[a.arg[i] * n + i] += a.dy[i];
      continue;
    }
    float best = a.x[i];
    int32_t at = 0;
    for (int64_t t = 1; t < a.steps; ++t)
      if (a.x[t * n + i] > best || (best != best && a.x[t * n + i] == a.x[t * n + i]))
        best = a.x[t * n + i], at = static_cast<int32_t>(t);
    a.y[i] = best, a.arg[i] = at;
  }
}

}  // namespace sr::ref
