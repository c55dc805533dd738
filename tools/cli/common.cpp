#include "tools/cli/common.h"

#include <cstdio>
#include <iostream>

#include "engine/error.h"

namespace sr::cli {

void DataOptions::add_to(CLI::App& app, bool required) {
  auto* o = app.add_option("--data", path, "ratings file: user item rating [timestamp] (MovieLens u.data layout)");
  if (required) o->required();
  app.add_option("--test-fraction", test_fraction, "share of ratings held out for testing")->capture_default_str();
  app.add_option("--split-seed", seed, "seed of the random holdout split")->capture_default_str();
}

Loaded load_and_split(const DataOptions& d) {
  Loaded l;
  l.ratings = read_ratings(d.path);
  l.split = random_holdout(l.ratings.size(), d.test_fraction, d.seed);
  std::fprintf(stderr, "data: %s: %lld ratings, %lld users, %lld items; %zu train / %zu test (seed %llu)\n", d.path.c_str(),
               static_cast<long long>(l.ratings.size()), static_cast<long long>(l.ratings.n_users()),
               static_cast<long long>(l.ratings.n_items()), l.split.train.size(), l.split.test.size(),
               static_cast<unsigned long long>(d.seed));
  return l;
}

std::unique_ptr<Backend> open_device(const Device& device) {
  auto be = make_backend(device);
  std::fprintf(stderr, "device: %s\n", be->describe().c_str());
  return be;
}

LoadedModel load_model(const ModelMeta& meta, const std::string& path, Backend& be) {
  LoadedModel m;
  m.meta = meta;
  ModelOptions opts(m.meta.options, m.meta.n_users, m.meta.n_items);
  m.built = std::make_unique<BuiltModel>(build_model(m.meta.model, opts));
  m.exec = std::make_unique<Exec>(m.built->net, be, 0);
  load_model_params(path, m.built->net);
  return m;
}

void SavedModelArgs::add_to(CLI::App& app) {
  app.add_option("--model-file", model_file, "a file written by `train --save`")->required();
  app.add_option("--data", data, "the ratings (default: the path recorded in the model file)");
  app.add_option("--device", device, "auto, cpu, emu, cuda, cuda:N")->capture_default_str();
}

namespace {
void check_same_data(const ModelMeta& meta, const Ratings& r, const std::string& path) {
  if (meta.n_users != r.n_users() || meta.n_items != r.n_items() || meta.n_ratings != r.size())
    throw error("data '", path, "' (", r.n_users(), " users, ", r.n_items(), " items, ", r.size(),
                " ratings) is not the data the model was trained on (", meta.n_users, ", ", meta.n_items, ", ",
                meta.n_ratings, ")");
}
}  // namespace

ModelSession open_saved_model(const SavedModelArgs& a) {
  const ModelMeta meta = read_model_meta(a.model_file);
  const Device device = Device::parse(a.device);
  ModelSession s;
  s.backend = open_device(device);
  s.model = load_model(meta, a.model_file, *s.backend);
  s.data_path = a.data.empty() ? meta.data_path : a.data;
  s.data = load_and_split({s.data_path, meta.test_fraction, meta.split_seed});
  check_same_data(meta, s.data.ratings, s.data_path);
  return s;
}

void print_result(const nlohmann::json& j) {
  std::cout << j.dump() << std::endl;
}

}  // namespace sr::cli
