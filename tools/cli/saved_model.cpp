#include "tools/cli/saved_model.h"

#include <filesystem>

#include "kernels/error.h"
#include "models/registry.h"
#include "tools/cli/rank_training.h"

namespace sr::cli {

void SavedModelArgs::add_to(CLI::App& app) {
  app.add_option("--model-file", model_file, "a file written by --save of `train`, `topn` or `session`")->required();
  app.add_option("--device", device, "auto, cpu, emu, cuda, cuda:N")->capture_default_str();
}

SavedModel open_saved_model(const SavedModelArgs& a) {
  SavedModel s;
  s.path = a.model_file;
  s.meta = read_model_meta(a.model_file);
  s.task = parse_task(s.meta.task);
  const Device device = Device::parse(a.device);
  BuiltModel built = build_model(find_model(s.meta.model, s.task), s.meta.options, s.meta.n_users, s.meta.n_items);
  s.backend = open_device(device);
  s.trained = TrainedModel::restore(std::move(built), *s.backend, a.model_file, &s.data);
  return s;
}

DataReference data_reference(const ImportArgs& data, const Dataset& d) {
  DataReference r;
  for (const auto& p : data.paths) r.paths.push_back(std::filesystem::absolute(p).lexically_normal().string());
  r.layout = data.layout, r.columns = data.columns, r.separator = data.separator, r.duplicates = data.duplicates;
  r.fingerprint = dataset_fingerprint(d);
  r.n_events = d.n_events();
  return r;
}

Dataset open_training_data(const SavedModel& m, const ImportArgs& other) {
  const DataReference& ref = m.meta.data;
  ImportArgs how;
  how.paths = ref.paths, how.layout = ref.layout, how.columns = ref.columns, how.separator = ref.separator;
  how.duplicates = ref.duplicates;
  if (!other.paths.empty()) how = other;
  if (how.paths.empty()) throw error("model file '", m.path, "' names no data: give --data");
  const Dataset d = open_dataset(how.paths, how.options());
  if (dataset_fingerprint(d) != ref.fingerprint)
    throw error("data '", how.paths[0], "' (", d.n_users(), " users, ", d.n_items(), " items, ", d.n_events(),
                " events) is not the data model file '", m.path, "' was trained on ('", ref.paths.empty() ? "" : ref.paths[0],
                "', ", ref.n_events, " events)");
  return d;
}

}  // namespace sr::cli
