// A session scorer from item vectors alone, for models that learn a vector per item rather than a
// function of the session (Prod2vec): a lane's query is the decayed sum of its last `recent`
// clicks' query vectors, Σ_j decay^j q_{x_(t−j)}, and item i scores ⟨query, k_i⟩ — one GEMM of the
// lanes' queries against every item's key vector per step. Two uses:
//   similar items   q = k = the unit-length item vectors: the items nearest the session's latest
//                   clicks by cosine;
//   next in context q = the input vectors, k = [output vectors | output bias] with a column of
//                   Σ_j decay^j appended to the query: the skip-gram's own logit of i in the
//                   window of each recent click, summed.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/eval/session_eval.h"

namespace sr {

struct ItemVectorTables {
  int64_t n = 0, dim = 0;
  std::vector<float> query, key;  // n x dim each, row-major
};

class ItemVectorSessionScorer final : public SessionScorer {
 public:
  ItemVectorSessionScorer(Backend& be, const ItemVectorTables& t, int recent, float decay);
  void step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts, std::vector<float>& scores) override;
  void advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) override;

 private:
  Backend& be_;
  int64_t n_, dim_;
  std::vector<float> query_;
  Tensor key_;
  int recent_;
  float decay_;
  std::vector<std::vector<int32_t>> history_;  // per lane, its last `recent` clicks
};

// The tables of the two uses above: unit-length `vectors` for both (similar items), or `input` for
// the query and [`output` | `bias`] for the key, the query's last column being the weights' sum,
// which the scorer writes when the key is one wider than the query's vectors (next in context).
ItemVectorTables similar_item_tables(int64_t n, int64_t dim, const std::vector<float>& vectors);
ItemVectorTables context_tables(int64_t n, int64_t dim, const std::vector<float>& input,
                                const std::vector<float>& output, const std::vector<float>& bias);

}  // namespace sr
