// Scoring a pair model whose score factorizes — act(u_uᵀ v_i) after folding biases into the
// factors, as GMF (its output, the logit hᵀ(p_u ⊙ q_i) + b + b_i: u = [p | b | 1], v = [h ⊙ q | 1 | b_i];
// without item biases u = [p | b], v = [h ⊙ q | 1]) and
// biased MF (μ + b_u + b_i + p_uᵀ q_i: u = [p | b_u + μ | 1], v = [q | 1 | b_i]) do — as one GEMM of a block of users
// against every item, instead of a forward pass per (user, item) pair: 480,189 users x 17,770 items is one (block x d)
// x (d x items) product per block rather than 8.5 billion passes.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/eval/recommend.h"
#include "kernels/common.h"
#include "kernels/csr.h"
#include "kernels/device_array.h"

namespace sr {

// A model's pair scores as factors (row-major, `dim` floats a row) and an output activation.
struct PairFactors {
  int64_t dim = 0;
  std::vector<float> users, items;  // n_users x dim, n_items x dim
  int64_t embedding_dim = 0;        // the leading columns that are the factors (the rest carry biases)
  Act act = Act::identity;
};

class FactorScorer {
 public:
  FactorScorer(Backend& be, const PairFactors& f);
  int64_t n_users() const { return users_.rows(); }
  int64_t n_items() const { return items_.rows(); }
  // users x items scores, on the device.
  Tensor scores(const std::vector<int32_t>& users) const;
  // For each user, the k best items it has not seen (rows of `seen_by_user`), best first.
  std::vector<std::vector<Scored>> topk(const HostCsr& seen_by_user, const std::vector<int32_t>& users, int k) const;

 private:
  Backend& be_;
  Tensor users_, items_;
  Act act_;
};

}  // namespace sr
