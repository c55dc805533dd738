// Layers that combine dense variables of the same rows (NCF, MF, the VAE's sampling): each is a
// few elementwise ops (kernels/dense.h EwKind) or the sampled dot primitive on a diagonal pattern;
// and the shift of sparse scores by given offsets (the logQ correction of a sampled softmax).
#pragma once

#include "engine/net/layer.h"

namespace sr {

// [x_1 | x_2 | ...]: each input copied into its column block; backward adds the blocks back.
class ConcatLayer final : public Layer {
 public:
  ConcatLayer(std::string name, std::vector<Var> xs, Var out) : Layer(std::move(name), std::move(xs), out) {}
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
};

// a ⊙ b (GMF's interaction); backward da += dy ⊙ b, db += dy ⊙ a.
class MultiplyLayer final : public Layer {
 public:
  MultiplyLayer(std::string name, Var a, Var b, Var out) : Layer(std::move(name), {a, b}, out) {}
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
};

// ⟨a_r, b_r⟩ per row (MF's score): the sampled dot primitive on the identity pattern, so that
// backward is two gathers on the same pattern (da_r += dz_r · b_r, db_r += dz_r · a_r).
class DotLayer final : public Layer {
 public:
  DotLayer(std::string name, Var a, Var b, Var out) : Layer(std::move(name), {a, b}, out) {}
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
};

// Σ x_i (+ bias, a learned row added to every row: biases and a global offset, μ + b_u + b_i +
// ⟨p_u, q_i⟩; null for a plain sum, a residual connection).
class SumLayer final : public Layer {
 public:
  SumLayer(std::string name, std::vector<Var> xs, Var out, const Param* bias);
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  const Param* bias_;
};

// FM's pairwise interactions of the F field embeddings laid side by side in x (rows x F·k):
// y_r = Σ_{f<g} ⟨x_rf, x_rg⟩, width 1, by the fm_interaction op (kernels/interaction.h) both ways.
class FmLayer final : public Layer {
 public:
  FmLayer(std::string name, Var x, Var out, int64_t fields) : Layer(std::move(name), {x}, out), fields_(fields) {}
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;

 private:
  int64_t fields_;
};

// Sparse scores plus offsets a sparse input gives, not learned: the same entries (equal nonzero
// counts), or one row of a value per column of a block pattern (every row scores the same
// columns: kernels/sparse_batch.h block_cols), added to every row. A training-time correction
// (a sampled softmax's −log q, two-tower retrieval): inference reads the scores before it.
class ShiftLayer final : public Layer {
 public:
  ShiftLayer(std::string name, Var scores, Var offsets, Var out) : Layer(std::move(name), {scores, offsets}, out) {}
  void forward(Exec& ex) override;
  void backward(Exec& ex) override;
  bool optional_in_inference() const override { return true; }  // its offsets are not bound then
};

}  // namespace sr
