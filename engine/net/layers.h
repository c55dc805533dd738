// The layers of the DSL. Each documents its forward and backward in terms of the primitives.
#pragma once

#include "engine/net/layer.h"

namespace sr {

// out = act(x·W + b) for a sparse x: gather forward; scatter of the pre-activation gradient into
// the rows of W that the batch touched; no gradient flows into the (sparse) input. Without b and
// on one-hot rows this is an embedding lookup.
class SparseDenseLayer final : public Layer {
 public:
  SparseDenseLayer(std::string name, Var x, Var out, Act act, const Param* w, const Param* b);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  const Param* sparse_input_weight() const override { return w_; }

 private:
  Act act_;
  const Param *w_, *b_;
};

// out = act(x·W + b) for a dense x: GEMM, fused bias and activation.
class DenseLayer final : public Layer {
 public:
  DenseLayer(std::string name, Var x, Var out, Act act, const Param* w, const Param* b, bool x_needs_grad);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  const Param* column_table(bool* by_columns) const override {
    *by_columns = true;
    return w_;
  }

 private:
  Act act_;
  const Param *w_, *b_;
  bool x_needs_grad_;
};

// Inverted dropout on a dense var (identity outside training); the mask is recomputed from its
// seed in backward instead of being stored.
class DropoutLayer final : public Layer {
 public:
  DropoutLayer(std::string name, Var x, Var out, float p, bool x_needs_grad);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  enum Word : int { seed = 0 };  // the mask's seed, from forward to backward (LayerState)
  float p_;
  bool x_needs_grad_;
};

// Denoising corruption of a sparse input's values (same pattern, dropped values become 0).
class CorruptLayer final : public Layer {
 public:
  CorruptLayer(std::string name, Var x, Var out, float p);
  void forward(Exec& ex) override;
  void backward(Exec&) override {}

 private:
  float p_;
};

// z_k = act(⟨h_row, V_col⟩ + c_col) at the pattern's nonzeros: sampled dot forward; backward is a
// gather for dh, and scatters for dV and dc into the touched rows only. On a block pattern (every
// row lists the same n columns: GRU4Rec's shared samples) the same scores come from gathering
// those n rows of V and c and one GEMM, and backward is two GEMMs and a scatter of n rows.
class SparseOutputLayer final : public Layer {
 public:
  SparseOutputLayer(std::string name, Var h, Var pattern, Var out, Act act, const Param* v, const Param* c,
                    bool h_needs_grad);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  bool optional_in_inference() const override { return true; }
  // Every column's score for the rows of h: rows x width (GEMM against V, then bias and activation).
  Tensor all_scores(Exec& ex) override;
  bool scores_columns() const override { return true; }
  const Param* column_table(bool* by_columns) const override {
    *by_columns = false;
    return v_;
  }
  // The scores of the listed columns for every row of h_all: h_all.rows x n_columns, or the
  // transpose with `columns_as_rows`. (Ranking columns, e.g. users of an item-based model, over all
  // rows; V's rows are gathered.)
  Tensor column_scores(Exec& ex, const Tensor& h_all, const IndexArray& columns, bool columns_as_rows) override;

 private:
  enum Scratch : int { block_v = 0, block_c = 1, block_dv = 2, block_dc = 3 };
  Act act_;
  const Param *v_, *c_;
  bool h_needs_grad_;
};

// Logits for every row of a table that an embedding layer looks up: out = x·Wᵀ (+ c, a bias per
// row of W, when given) (NARM's bilinear decoder scores items by their own embeddings). GEMMs both
// ways; W's gradient is dense. With a cosine scale s > 0 the rows of x and of W are first scaled
// to unit length and out = s · x̂·Ŵᵀ (+ c): a score's range is fixed, so an item cannot win on the
// norm its popularity gave its embedding (NISER).
class TiedOutputLayer final : public Layer {
 public:
  TiedOutputLayer(std::string name, Var x, Var out, const Param* table, const Param* bias, bool x_needs_grad,
                  float cosine_scale);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  const Param* column_table(bool* by_columns) const override {
    *by_columns = false;
    return table_;
  }

 private:
  enum Scratch : int { x_unit = 0, x_inv = 1, w_unit = 2, w_inv = 3, d_unit = 4, dots = 5, work = 6 };
  const Param *table_, *bias_;
  bool x_needs_grad_;
  float cosine_scale_;
};

}  // namespace sr
