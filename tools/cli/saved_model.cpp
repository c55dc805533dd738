#include "tools/cli/saved_model.h"

#include <algorithm>
#include <filesystem>

#include "engine/data/item_titles.h"
#include "kernels/error.h"
#include "models/registry.h"
#include "tools/cli/output.h"

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
  BuiltModel built =
      build_model(find_model(s.meta.model, s.task), s.meta.options, s.meta.n_users, s.meta.n_items, {}, s.meta.fields);
  s.backend = open_device(device);
  s.trained = TrainedModel::restore(std::move(built), *s.backend, a.model_file, &s.data);
  return s;
}

std::vector<int32_t> user_rows(const SavedModel& s, const std::vector<int64_t>& ids) {
  std::vector<int32_t> users;
  if (ids.empty()) {
    for (size_t u = 0; u < s.data.user_ids.size(); ++u) users.push_back(static_cast<int32_t>(u));
    return users;
  }
  for (int64_t id : ids) {
    const int64_t u = index_of(s.data.user_ids, id);
    if (u < 0) throw error("unknown user id ", id, " (not among the ", s.data.user_ids.size(), " users of the model)");
    users.push_back(static_cast<int32_t>(u));
  }
  return users;
}

int64_t users_per_block(const SavedModel& s, int k, int64_t memory_budget_mb, int64_t block_users) {
  if (block_users > 0) return block_users;
  const int64_t levels = s.trained->model.rating_levels ? s.trained->model.rating_levels->levels : 1;
  const int64_t per_user = 3 * 4 * levels * static_cast<int64_t>(s.data.item_ids.size()) + 16 * int64_t{k};
  if (memory_budget_mb > (int64_t{1} << 40))
    throw error("--memory-budget ", memory_budget_mb, " MB is more than any machine has");
  const int64_t fit = (memory_budget_mb << 20) / std::max<int64_t>(per_user, 1);
  if (fit < 1)
    throw error("--memory-budget ", memory_budget_mb, " MB holds the scores of no user (one needs ",
                (per_user >> 20) + 1, " MB): raise it");
  return std::min<int64_t>(fit, 4096);
}

std::vector<NamedArray> model_arrays(SavedModel& s) {
  TrainedModel& t = *s.trained;
  if (!t.exec) throw error("model '", s.meta.model, "' is a baseline: it has no weights to export");
  std::vector<NamedArray> arrays;
  for (const Param* p : t.model.net.params())
    arrays.push_back(NamedArray::f32(p->name, {p->rows, p->cols}, t.exec->params().weights(*p).to_host()));
  if (t.offsets) {  // a residual net's b_u and b_i: not weights, but part of every score
    for (const auto& [name, v] :
         {std::pair{"offsets.user", &t.offsets->user}, std::pair{"offsets.item", &t.offsets->item}})
      arrays.push_back(NamedArray::f32(name, {static_cast<int64_t>(v->size())}, *v));
  }
  for (const auto& [name, ids] : {std::pair{"user_ids", &s.data.user_ids}, std::pair{"item_ids", &s.data.item_ids}})
    if (!ids->empty()) arrays.push_back(NamedArray::i64(name, {static_cast<int64_t>(ids->size())}, *ids));
  return arrays;
}

DataReference data_reference(const ImportArgs& data, const Dataset& d, const std::vector<std::string>& test_paths) {
  DataReference r;
  for (const auto& p : data.paths) r.paths.push_back(std::filesystem::absolute(p).lexically_normal().string());
  for (const auto& p : test_paths) r.test_paths.push_back(std::filesystem::absolute(p).lexically_normal().string());
  r.layout = data.layout, r.columns = data.columns, r.separator = data.separator, r.duplicates = data.duplicates;
  r.fingerprint = dataset_fingerprint(d);
  r.n_events = d.n_events();
  return r;
}

std::unordered_map<int64_t, std::string> read_titles_option(const std::string& model_file, const std::string& titles) {
  if (titles == "none") return {};
  const std::string path = titles == "auto" ? find_item_titles(read_model_meta(model_file).data.paths) : titles;
  return path.empty() ? std::unordered_map<int64_t, std::string>{} : read_item_titles(path);
}

Dataset open_training_data(const SavedModel& m, const ImportArgs& other, const ImportArgs& other_test,
                           std::optional<Split>* file_split) {
  const DataReference& ref = m.meta.data;
  const bool files = !ref.test_paths.empty();
  SR_CHECK(!files || file_split, "a split given as files is read with its split");
  ImportArgs how;
  how.paths = ref.paths, how.layout = ref.layout, how.columns = ref.columns, how.separator = ref.separator;
  how.duplicates = ref.duplicates;
  ImportArgs test_how = how;
  test_how.paths = ref.test_paths;
  if (!other.paths.empty()) how = other;
  if (files && !other_test.paths.empty()) test_how = other_test;
  if (how.paths.empty()) throw error("model file '", m.path, "' names no data: give --data");
  if (files && (how.paths.size() != 1 || test_how.paths.size() != 1))
    throw error("model file '", m.path, "' was trained on a split given as two files: give one --data (its ",
                "training file) and one --test");
  Dataset d;
  try {
    if (files) {
      SplitFiles f;
      f.train = how.paths.front(), f.test = test_how.paths.front();
      Loaded l = load_split_files(how, f);
      d = std::move(l.data);
      *file_split = std::move(l.split);
    } else {
      d = open_dataset(how.paths, how.options());
    }
  } catch (const Error& e) {
    if (!other.paths.empty()) throw;
    throw error(e.what(), " (the data model file '", m.path, "' was trained on, as it records it: give --data",
                files ? " and --test" : "", " where it is now)");
  }
  const uint64_t fingerprint = dataset_fingerprint(d);
  if (fingerprint != ref.fingerprint)
    throw error("data '", how.paths[0], "' is not the data model file '", m.path, "' was trained on: it has ",
                d.n_users(), " users, ", d.n_items(), " items, ", d.n_events(), " events (fingerprint ", std::hex,
                fingerprint, "); the model's had ", std::dec, m.meta.n_users, " users, ", m.meta.n_items, " items, ",
                ref.n_events, " events (fingerprint ", std::hex, ref.fingerprint, ")");
  return d;
}

}  // namespace sr::cli
