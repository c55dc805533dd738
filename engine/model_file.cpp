// A tensor file (engine/io/tensor_file.h) with magic "SPARSEREC-MODEL v2" and the model's
// metadata as its header.
#include "engine/model_file.h"

#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/io/tensor_file.h"

namespace sr {

namespace {
const char kMagic[] = "SPARSEREC-MODEL v2\n";
constexpr const char* kWhat = "model file";

ModelMeta parse_meta(const TensorFileReader& r) {
  ModelMeta m;
  try {
    const auto j = nlohmann::json::parse(r.header());
    m.model = j.at("model");
    m.options = j.at("options").get<std::map<std::string, std::string>>();
    m.data_path = j.at("data_path");
    m.n_users = j.at("n_users");
    m.n_items = j.at("n_items");
    m.n_ratings = j.at("n_ratings");
    m.test_fraction = j.at("test_fraction");
    m.split_seed = j.at("split_seed");
  } catch (const nlohmann::json::exception& e) {
    throw error("model file '", r.path(), "': bad metadata: ", e.what());
  }
  return m;
}
}  // namespace

void save_model(const std::string& path, const ModelMeta& meta, const Net& net) {
  nlohmann::json j;
  j["model"] = meta.model;
  j["options"] = meta.options;
  j["data_path"] = meta.data_path;
  j["n_users"] = meta.n_users;
  j["n_items"] = meta.n_items;
  j["n_ratings"] = meta.n_ratings;
  j["test_fraction"] = meta.test_fraction;
  j["split_seed"] = meta.split_seed;
  const auto params = net.params();
  TensorFileWriter out(path, kMagic, j.dump(), params.size());
  for (const Param* p : params) out.put(p->name, p->rows, p->cols, p->w.to_host().data());
  out.commit();
}

ModelMeta read_model_meta(const std::string& path) { return parse_meta(TensorFileReader(path, kMagic, kWhat)); }

void load_model_params(const std::string& path, Net& net) {
  TensorFileReader r(path, kMagic, kWhat);
  parse_meta(r);
  const auto params = net.params();
  if (r.count() != params.size())
    throw error("model file '", path, "' holds ", r.count(), " tensors, model '", net.name(), "' has ", params.size());
  for (Param* p : params) p->w.upload(r.get(p->name, p->rows, p->cols));
  r.finish();
}

}  // namespace sr
