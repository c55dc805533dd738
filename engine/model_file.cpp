// A tensor file (engine/io/tensor_file.h) with magic "SPARSEREC-MODEL v5": the metadata as its
// header, then the parameters (float32), then the data tensors "data.user_ids", "data.item_ids"
// (int64), "data.row_ptr", "data.col_idx" (int32) and "data.values" (float32; 0 x 1 when implicit),
// then for each side field the model reads (the header's "fields": input, width, nnz) its table
// as "field.INPUT.row_ptr", ".col_idx" and ".values". Files without fields read as before.
#include "engine/model_file.h"

#include <algorithm>
#include <cmath>
#include <limits>

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
  std::vector<int64_t> field_nnz;  // per side field
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
    // Side fields, checked here (before a net is built from them and its tables allocated): a
    // field input's name, once; a whole width and count of values within what a table indexes.
    for (const auto& f : j.value("fields", nlohmann::json::array())) {
      const std::string input = f.at("input").get<std::string>();
      const auto& width = f.at("width");
      const auto& nnz = f.at("nnz");
      constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
      const bool known =
          std::any_of(m.fields.begin(), m.fields.end(), [&](const FieldShape& s) { return s.input == input; });
      if (!is_field_input(input) || known || !width.is_number_integer() || !nnz.is_number_integer() ||
          width.get<int64_t>() < 1 || width.get<int64_t>() > kMax || nnz.get<int64_t>() < 0 ||
          nnz.get<int64_t>() > kMax)
        throw error("model file '", r.path(), "' is corrupt: its side field '", input.substr(0, 60), "' (width ",
                    width.dump(), ", ", nnz.dump(), " values) is not one");
      m.fields.push_back({input, width.get<int64_t>()});
      if (sizes) sizes->field_nnz.push_back(nnz.get<int64_t>());
    }
    if (sizes) {
      const auto& s = j.at("sizes");
      sizes->users = s.at("users"), sizes->items = s.at("items"), sizes->rows = s.at("rows");
      sizes->nnz = s.at("nnz"), sizes->values = s.at("values");
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
  if (!data.fields.empty()) {
    j["fields"] = nlohmann::json::array();
    for (const FieldTable& f : data.fields)
      j["fields"].push_back({{"input", f.input}, {"width", f.rows.cols}, {"nnz", f.rows.nnz()}});
  }
  const auto& params = store.net().params();
  TensorFileWriter out(path, kMagic, j.dump(), params.size() + 5 + 3 * data.fields.size());
  for (const Param* p : params) out.put(p->name, p->rows, p->cols, store.weights(*p).to_host().data());
  out.put("data.user_ids", static_cast<int64_t>(data.user_ids.size()), 1, data.user_ids.data());
  out.put("data.item_ids", static_cast<int64_t>(data.item_ids.size()), 1, data.item_ids.data());
  out.put("data.row_ptr", static_cast<int64_t>(t.row_ptr.size()), 1, t.row_ptr.data());
  out.put("data.col_idx", static_cast<int64_t>(t.col_idx.size()), 1, t.col_idx.data());
  out.put("data.values", static_cast<int64_t>(t.val.size()), 1, t.val.data());
  for (const FieldTable& f : data.fields) {
    SR_CHECK(f.rows.rows == (f.user_side() ? meta.n_users : meta.n_items) && f.rows.val.size() == f.rows.col_idx.size(),
             "side field '", f.input, "': its table does not fit the model");
    out.put("field." + f.input + ".row_ptr", static_cast<int64_t>(f.rows.row_ptr.size()), 1, f.rows.row_ptr.data());
    out.put("field." + f.input + ".col_idx", f.rows.nnz(), 1, f.rows.col_idx.data());
    out.put("field." + f.input + ".values", f.rows.nnz(), 1, f.rows.val.data());
  }
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
  if (!meta.fields.empty() && n.users != meta.n_users)  // a user-side table has a row per user of the net
    throw error("model file '", path, "' is corrupt: it holds ", n.users, " users for a model of ", meta.n_users);
  const auto& params = store.net().params();
  const size_t tensors = params.size() + 5 + 3 * meta.fields.size();
  if (r.count() != tensors)
    throw error("model file '", path, "' holds ", r.count(), " tensors, model '", store.net().name(), "' needs ",
                tensors);
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
  for (size_t k = 0; k < meta.fields.size(); ++k) {
    const FieldShape& s = meta.fields[k];
    FieldTable f;
    f.input = s.input;
    f.rows.rows = f.user_side() ? n.users : n.items, f.rows.cols = s.width;
    f.rows.row_ptr = r.get<int32_t>("field." + s.input + ".row_ptr", f.rows.rows + 1, 1);
    f.rows.col_idx = r.get<int32_t>("field." + s.input + ".col_idx", n.field_nnz[k], 1);
    f.rows.val = r.get<float>("field." + s.input + ".values", n.field_nnz[k], 1);
    d.fields.push_back(std::move(f));
  }
  r.finish();
  t.rows = n.rows > 0 ? n.rows - 1 : 0;
  t.cols = n.items;
  if (n.rows > 0) t.validate(("model file '" + path + "', its training interactions").c_str());
  for (const FieldTable& f : d.fields) {
    f.rows.validate(("model file '" + path + "', its side field '" + f.input + "'").c_str());
    for (float v : f.rows.val)
      if (!std::isfinite(v)) throw error("model file '", path, "' is corrupt: side field '", f.input, "' holds ", v);
  }
  for (size_t i = 0; i < params.size(); ++i) store.weights(*params[i]).upload(weights[i]);
  return d;
}

}  // namespace sr
