// Index files (`sparserec index build` writes one, `index query` and servers read it): a tensor file
// (engine/io/tensor_file.h: checksummed, written atomically) of an exact or an IVF-Flat index, with
// its kind, metric and shape in the header.
#pragma once

#include <memory>
#include <string>

#include "engine/index/ivf_index.h"

namespace sr {

// One index of either kind.
struct VectorIndex {
  std::unique_ptr<ExactIndex> exact;
  std::unique_ptr<IvfIndex> ivf;
  const char* kind() const { return ivf ? "ivf" : "exact"; }
  int64_t size() const { return ivf ? ivf->size() : exact->size(); }
  int64_t dim() const { return ivf ? ivf->dim() : exact->dim(); }
  Metric metric() const { return ivf ? ivf->metric() : exact->metric(); }
  // nprobe: the IVF lists each query scans (ignored by an exact index).
  std::vector<std::vector<Scored>> search(std::vector<float> queries, int k, int nprobe) const {
    return ivf ? ivf->search(std::move(queries), k, nprobe) : exact->search(std::move(queries), k);
  }
  // Every indexed vector in row order (an IVF index keeps them list by list).
  std::vector<float> vectors() const;
};

void save_index(const std::string& path, const VectorIndex& index);
VectorIndex load_index(Backend& be, const std::string& path);

}  // namespace sr
