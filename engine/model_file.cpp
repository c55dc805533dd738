// A tensor file (engine/io/tensor_file.h) with magic "SPARSEREC-MODEL v5": the metadata as its
// header, then the parameters (float32), then the data tensors "data.user_ids", "data.item_ids"
// (int64), "data.row_ptr", "data.col_idx" (int32) and "data.values" (float32; 0 x 1 when implicit).
#include "engine/model_file.h"

#include <nlohmann/json.hpp>

#include "engine/io/tensor_file.h"
#include "engine/net/net.h"
#include "kernels/error.h"

namespace sr {

namespace {
const char kMagic[] = "SPARSEREC-MODEL v5\n";
constexpr const char* kWhat = "model file";

struct Sizes {  // of the data tensors, from the header
  int64_t users = 0, items = 0, rows = 0, nnz = 0, values = 0;
};

ModelMeta parse_meta(const TensorFileReader& r, Sizes* sizes = nullptr) {
  ModelMeta m;
  try {
    const auto j = nlohmann::json::parse(r.header());
    m.model = j.at("model");
    m.task = j.at("task");
    m.options = j.at("options").get<std::map<std::string, std::string>>();
    m.n_users = j.at("n_users");
    m.n_items = j.at("n_items");
    const auto& d = j.at("data");
    m.data.paths = d.at("paths").get<std::vector<std::string>>();
    m.data.test_paths = d.value("test_paths", std::vector<std::string>{});
    m.data.layout = d.at("layout"), m.data.columns = d.at("columns"), m.data.separator = d.at("separator");
    m.data.duplicates = d.at("duplicates");
    m.data.fingerprint = d.at("fingerprint");
    m.data.n_events = d.at("n_events");
    m.test_fraction = j.at("test_fraction");
    m.split_seed = j.at("split_seed");
    m.negatives_seed = j.at("negatives_seed");
    if (sizes) {
      const auto& s = j.at("sizes");
      *sizes = {s.at("users"), s.at("items"), s.at("rows"), s.at("nnz"), s.at("values")};
    }
  } catch (const nlohmann::json::exception& e) {
    throw error("model file '", r.path(), "': bad metadata: ", e.what());
  }
  return m;
}
}  // namespace

void save_model(const std::string& path, const ModelMeta& meta, const ModelData& data, const ParamStore& store) {
  const HostCsr& t = data.train_by_user;
  nlohmann::json j;
  j["model"] = meta.model;
  j["task"] = meta.task;
  j["options"] = meta.options;
  j["n_users"] = meta.n_users;
  j["n_items"] = meta.n_items;
  j["data"] = {{"paths", meta.data.paths},           {"layout", meta.data.layout},
               {"columns", meta.data.columns},       {"separator", meta.data.separator},
               {"duplicates", meta.data.duplicates}, {"fingerprint", meta.data.fingerprint},
               {"n_events", meta.data.n_events}};
  if (!meta.data.test_paths.empty()) j["data"]["test_paths"] = meta.data.test_paths;
  j["test_fraction"] = meta.test_fraction;
  j["split_seed"] = meta.split_seed;
  j["negatives_seed"] = meta.negatives_seed;
  j["sizes"] = {{"users", data.user_ids.size()},
                {"items", data.item_ids.size()},
                {"rows", t.row_ptr.size()},
                {"nnz", t.col_idx.size()},
                {"values", t.val.size()}};
  const auto& params = store.net().params();
  TensorFileWriter out(path, kMagic, j.dump(), params.size() + 5);
  for (const Param* p : params) out.put(p->name, p->rows, p->cols, store.weights(*p).to_host().data());
  out.put("data.user_ids", static_cast<int64_t>(data.user_ids.size()), 1, data.user_ids.data());
  out.put("data.item_ids", static_cast<int64_t>(data.item_ids.size()), 1, data.item_ids.data());
  out.put("data.row_ptr", static_cast<int64_t>(t.row_ptr.size()), 1, t.row_ptr.data());
  out.put("data.col_idx", static_cast<int64_t>(t.col_idx.size()), 1, t.col_idx.data());
  out.put("data.values", static_cast<int64_t>(t.val.size()), 1, t.val.data());
  out.commit();
}

ModelMeta read_model_meta(const std::string& path) { return parse_meta(TensorFileReader(path, kMagic, kWhat)); }

ModelData load_model(const std::string& path, ParamStore& store) {
  TensorFileReader r(path, kMagic, kWhat);
  Sizes n;
  const ModelMeta meta = parse_meta(r, &n);
  // The data tensors' sizes, before anything is allocated for them.
  if (n.users < 0 || n.items != meta.n_items || n.rows != n.users + 1 || n.nnz < 0 ||
      (n.values != 0 && n.values != n.nnz))
    throw error("model file '", path, "' is corrupt: its data tensors' sizes (", n.users, " users, ", n.items,
                " items, ", n.rows, " row pointers, ", n.nnz, " interactions, ", n.values, " values) do not fit ",
                meta.n_items, " items");
  const auto& params = store.net().params();
  if (r.count() != params.size() + 5)
    throw error("model file '", path, "' holds ", r.count(), " tensors, model '", store.net().name(), "' needs ",
                params.size() + 5);
  std::vector<std::vector<float>> weights;  // everything is read and verified before the store changes
  weights.reserve(params.size());
  for (const Param* p : params) weights.push_back(r.get<float>(p->name, p->rows, p->cols));
  ModelData d;
  d.user_ids = r.get<int64_t>("data.user_ids", n.users, 1);
  d.item_ids = r.get<int64_t>("data.item_ids", n.items, 1);
  HostCsr& t = d.train_by_user;
  t.row_ptr = r.get<int32_t>("data.row_ptr", n.rows, 1);
  t.col_idx = r.get<int32_t>("data.col_idx", n.nnz, 1);
  t.val = r.get<float>("data.values", n.values, 1);
  r.finish();
  t.rows = n.rows > 0 ? n.rows - 1 : 0;
  t.cols = n.items;
  if (n.rows > 0) t.validate(("model file '" + path + "', its training interactions").c_str());
  for (size_t i = 0; i < params.size(); ++i) store.weights(*params[i]).upload(weights[i]);
  return d;
}

}  // namespace sr
