#include "engine/index/index_file.h"

#include <nlohmann/json.hpp>

#include "engine/io/tensor_file.h"
#include "kernels/error.h"

namespace sr {

namespace {
const char* const kMagic = "sparserec index v1\n";
}

std::vector<float> VectorIndex::vectors() const {
  if (!ivf) return exact->host_rows();
  const std::vector<float> lists = ivf->list_vectors();
  const int64_t d = ivf->dim();
  std::vector<float> out(lists.size());
  for (size_t at = 0; at < ivf->ids().size(); ++at)
    std::copy_n(lists.begin() + static_cast<int64_t>(at) * d, d, out.begin() + int64_t{ivf->ids()[at]} * d);
  return out;
}

void save_index(const std::string& path, const VectorIndex& index) {
  nlohmann::json h;
  h["kind"] = index.kind();
  h["metric"] = metric_name(index.metric());
  h["n"] = index.size();
  h["dim"] = index.dim();
  const int64_t n = index.size(), d = index.dim();
  if (index.ivf) {
    const IvfIndex& v = *index.ivf;
    h["nlist"] = v.nlist();
    TensorFileWriter w(path, kMagic, h.dump(), 4);
    w.put("centroids", v.nlist(), d, v.centroids().data());
    w.put("list_offsets", static_cast<int64_t>(v.list_offsets().size()), 1, v.list_offsets().data());
    w.put("ids", n, 1, v.ids().data());
    const std::vector<float> lists = v.list_vectors();
    w.put("vectors", n, d, lists.data());
    w.commit();
  } else {
    TensorFileWriter w(path, kMagic, h.dump(), 1);
    w.put("vectors", n, d, index.exact->host_rows().data());
    w.commit();
  }
}

VectorIndex load_index(Backend& be, const std::string& path) {
  TensorFileReader r(path, kMagic, "index file");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(r.header());
  } catch (const nlohmann::json::exception& e) {
    throw error("index file '", path, "': its header is not JSON: ", e.what());
  }
  VectorIndex out;
  try {
    const std::string kind = h.at("kind");
    const Metric metric = parse_metric(h.at("metric"));
    const int64_t n = h.at("n"), d = h.at("dim");
    if (n < 1 || d < 1) throw error("index file '", path, "': shape ", n, " x ", d);
    if (kind == "exact") {
      out.exact = std::make_unique<ExactIndex>(be, n, d, r.get<float>("vectors", n, d), metric, true);
    } else if (kind == "ivf") {
      const int64_t nlist = h.at("nlist");
      if (nlist < 1 || nlist > n) throw error("index file '", path, "': nlist ", nlist, " for ", n, " vectors");
      std::vector<float> centroids = r.get<float>("centroids", nlist, d);
      std::vector<int64_t> offsets = r.get<int64_t>("list_offsets", nlist + 1, 1);
      std::vector<int32_t> ids = r.get<int32_t>("ids", n, 1);
      std::vector<float> vectors = r.get<float>("vectors", n, d);
      out.ivf = std::make_unique<IvfIndex>(be, d, metric, std::move(centroids), std::move(offsets), std::move(ids),
                                           std::move(vectors));
    } else {
      throw error("index file '", path, "': unknown kind '", kind, "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw error("index file '", path, "': its header lacks a field: ", e.what());
  }
  r.finish();
  return out;
}

}  // namespace sr
