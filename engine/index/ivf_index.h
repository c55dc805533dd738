// IVF-Flat: the vectors split into `nlist` lists by k-means (centroids by GEMMs on the backend, as
// FAISS trains on at most 256 vectors per list), each vector kept whole in its nearest centroid's
// list; a query scores the centroids, then only the vectors of its `nprobe` best lists. Queries
// are answered a list at a time: every query probing a list scores it by one GEMM and one batched
// top-K, so that a batch of queries runs at GEMM speed rather than one dot product at a time.
// Inner product or cosine (normalized, then inner product; spherical k-means).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/index/exact_index.h"

namespace sr {

struct IvfOptions {
  int nlist = 1024;
  int iterations = 10;               // of k-means
  int64_t max_train_per_list = 256;  // k-means trains on at most nlist x this many vectors
  uint64_t seed = 1;
};

class IvfIndex {
 public:
  // n x dim row-major vectors. The lists, as built, are restored by the second constructor
  // (engine/index/index_file.h).
  IvfIndex(Backend& be, int64_t n, int64_t dim, std::vector<float> values, Metric metric, const IvfOptions& o);
  IvfIndex(Backend& be, int64_t dim, Metric metric, std::vector<float> centroids, std::vector<int64_t> list_offsets,
           std::vector<int32_t> ids, std::vector<float> list_vectors);
  int64_t size() const { return static_cast<int64_t>(ids_.size()); }
  int64_t dim() const { return dim_; }
  int nlist() const { return static_cast<int>(list_offsets_.size()) - 1; }
  Metric metric() const { return metric_; }
  // The k best vectors for each query (nq x dim, host) among its `nprobe` lists, best first.
  std::vector<std::vector<Scored>> search(std::vector<float> queries, int k, int nprobe) const;

  const std::vector<float>& centroids() const { return centroids_; }          // nlist x dim
  const std::vector<int64_t>& list_offsets() const { return list_offsets_; }  // nlist + 1
  const std::vector<int32_t>& ids() const { return ids_; }                    // the vectors' rows, list by list
  std::vector<float> list_vectors() const { return lists_.to_host(); }        // in the order of ids()

 private:
  void upload(const std::vector<float>& list_vectors);
  Backend& be_;
  int64_t dim_;
  Metric metric_;
  std::vector<float> centroids_;
  std::vector<int64_t> list_offsets_;
  std::vector<int32_t> ids_;
  std::unique_ptr<ExactIndex> coarse_;  // the centroids, scored against a batch's queries
  Tensor lists_;
};

}  // namespace sr
