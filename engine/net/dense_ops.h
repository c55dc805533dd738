// Dense operations as layers and training steps call them, with their operands named: products of
// row-major matrices (GEMM), row scalings and row-wise dot products (the gather and sampled dot
// primitives on a diagonal pattern), and the elementwise op over blocks of matrices.
//
//   matmul(be, mat(x), mat(w), y.data());                          y = x · w
//   matmul(be, mat(x).t(), mat(dy), dw.data(), {.accumulate = true});  dw += xᵀ · dy
#pragma once

#include <cstdint>

#include "engine/net/exec.h"

namespace sr {

// A row-major matrix operand: `rows` x `cols` floats at `data`, consecutive rows `cols` apart;
// t() reads it transposed, in place.
struct MatRef {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
  bool transposed = false;
  MatRef t() const { return {data, rows, cols, !transposed}; }
  int64_t op_rows() const { return transposed ? cols : rows; }  // of the operand as used
  int64_t op_cols() const { return transposed ? rows : cols; }
};
inline MatRef mat(const float* data, int64_t rows, int64_t cols) { return {data, rows, cols, false}; }
inline MatRef mat(const Tensor& t) { return {t.data(), t.rows(), t.cols(), false}; }

struct MatmulOptions {
  float scale = 1.0f;       // out = scale · a · b
  bool accumulate = false;  // out += instead of out =
};
// out (a.op_rows() x b.op_cols(), row-major) = scale · a · b (+ out). Throws when the inner sizes
// of a and b differ.
void matmul(Backend& be, MatRef a, MatRef b, float* out, MatmulOptions o = {});

// y = act(x + bias) row-wise over rows x cols (y may alias x; bias null: none).
void bias_act(Backend& be, int64_t rows, int64_t cols, const float* x, const float* bias, Act act, float* y);
// dy ⊙= act'(y), the derivative from the output y (nothing for the identity).
void activation_backward(Backend& be, const Tensor& y, Tensor& dy, Act act);
// out[j] (+)= Σ_r x[r, j] over rows x cols, summed in row order (bias gradients).
void col_sum(Backend& be, int64_t rows, int64_t cols, const float* x, float* out, bool accumulate = true);
// y += a · x over n elements.
void add_scaled(Backend& be, int64_t n, float a, const float* x, float* y);

// y (+)= alpha · f(a, b) over a rows x cols block of matrices whose rows are lda, ldb and ldy floats
// apart (kernels/dense.h, EwKind); b may be null for the kinds that do not read it.
struct Block {
  const float* data = nullptr;
  int64_t ld = 0;
};
struct ElementwiseOptions {
  float alpha = 1.0f;
  bool accumulate = false;
  uint64_t seed = 0;  // the random kinds' draws
};
void elementwise(Backend& be, EwKind kind, int64_t rows, int64_t cols, Block a, Block b, float* y, int64_t ldy,
                 ElementwiseOptions o = {});
// The same over a vector of n elements.
void elementwise(Backend& be, EwKind kind, int64_t n, const float* a, float* y, ElementwiseOptions o = {});

// y = diag(scale) · x (or y += ... when accumulating) over n rows of `width`: the gather primitive
// over the n x n diagonal pattern with `scale` as its values.
void scale_rows(Exec& ex, const float* scale, const float* x, int64_t n, int64_t width, float* y, bool accumulate);
// z_r = ⟨a_r, b_r⟩ over n rows of width d: the sampled dot primitive on the diagonal pattern.
void row_dots(Exec& ex, const float* a, const float* b, int64_t n, int64_t d, float* z);
// Zeros the n listed rows (device indices, each below t's rows) of t: one gather of empty rows.
void zero_rows(Exec& ex, Tensor& t, const int32_t* device_rows, int64_t n);

}  // namespace sr
