// The floors of every top-N table: item popularity, and item-kNN (cosine similarity between items'
// sets of users, each item keeping its k nearest neighbours; a user's score for an item is the sum
// of its similarities to the user's items). Both are Scorers for engine/eval/topn_eval.h and are
// fitted on implicit feedback (any interaction counts 1).
#pragma once

#include <vector>

#include "engine/eval/topn_eval.h"
#include "kernels/csr.h"

namespace sr {

class PopularityScorer final : public Scorer {
 public:
  explicit PopularityScorer(const HostCsr& train_by_user);
  void score(const std::vector<int32_t>& users, std::vector<float>& out) override;

 private:
  std::vector<float> count_;
};

class ItemKnnScorer final : public Scorer {
 public:
  // The similarity matrix is dense (items x items): meant for catalogues up to some ten thousand
  // items; larger ones throw.
  ItemKnnScorer(const HostCsr& train_by_user, int k);
  void score(const std::vector<int32_t>& users, std::vector<float>& out) override;

 private:
  const HostCsr& train_;
  int64_t n_items_;
  std::vector<std::vector<std::pair<int32_t, float>>> neighbours_;  // per item: (item, similarity)
};

}  // namespace sr
