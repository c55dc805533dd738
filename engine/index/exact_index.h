// Exact nearest neighbours by cosine over a set of vectors (item vectors, engine/train/pipeline.h
// item_vectors): every vector scored against the query, the k best kept. On the host and
// read-only once built, so any number of threads query it at once (the server's /similar).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/eval/recommend.h"

namespace sr {

class ExactIndex {
 public:
  ExactIndex() = default;
  // n x dim row-major; rows are normalized (a zero row stays zero and is nobody's neighbour).
  ExactIndex(int64_t n, int64_t dim, std::vector<float> values);
  int64_t size() const { return n_; }
  int64_t dim() const { return dim_; }
  // The k rows most alike row `row` (cosine, best first; ties to the lower index), itself excluded.
  std::vector<Scored> neighbours(int32_t row, int k) const;

 private:
  int64_t n_ = 0, dim_ = 0;
  std::vector<float> unit_;  // the rows scaled to length 1
  std::vector<uint8_t> zero_;
};

}  // namespace sr
