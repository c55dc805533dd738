// Exact nearest neighbours by inner product (or cosine: the rows normalized first) over a set of
// vectors — item vectors of a model (engine/train/pipeline.h item_vectors), or any n x dim matrix:
// a block of queries times a block of rows by one GEMM on the backend, the k best of each query's
// row by the batched top-K op, merged over blocks, so memory stays bounded by the block whatever n.
// The scoring of `sparserec index` (exact kind), of the IVF index's ground truth, and of the
// server's /similar.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/eval/recommend.h"

namespace sr {

enum class Metric { inner_product, cosine };
Metric parse_metric(const std::string& name);  // "ip", "cosine"
const char* metric_name(Metric m);

// Keeps the k best of `best` and `more` in `best` (best first; ties to the lower index).
void merge_topk(std::vector<Scored>& best, const std::vector<Scored>& more, int k);
// Scales each row of `values` (n x dim) to length 1 (a zero row stays zero); throws on a
// non-finite value, naming the row.
void normalize_rows(std::vector<float>& values, int64_t n, int64_t dim, const char* what);
// Throws on a non-finite value of `values` (rows of `dim`), naming the row and column.
void check_finite(const std::vector<float>& values, int64_t dim, const char* what);

class ExactIndex {
 public:
  // n x dim row-major, kept on `be` (normalized for cosine, unless `unit_rows` says they are: an
  // index read back from its file keeps its rows bit for bit).
  ExactIndex(Backend& be, int64_t n, int64_t dim, std::vector<float> values, Metric metric, bool unit_rows = false);
  int64_t size() const { return n_; }
  int64_t dim() const { return dim_; }
  Metric metric() const { return metric_; }
  // The k best rows for each query (nq x dim, host, row-major; normalized here for cosine), best
  // first; `exclude`, when given, one row per query never returned (-1: none).
  std::vector<std::vector<Scored>> search(std::vector<float> queries, int k,
                                          const std::vector<int32_t>* exclude = nullptr) const;
  // The k rows most alike each listed row, the row itself excluded.
  std::vector<std::vector<Scored>> neighbours(const std::vector<int32_t>& rows, int k) const;
  const std::vector<float>& host_rows() const { return host_; }  // as indexed (normalized for cosine)

 private:
  Backend& be_;
  int64_t n_, dim_;
  Metric metric_;
  std::vector<float> host_;
  Tensor rows_;
};

}  // namespace sr
