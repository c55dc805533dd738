// A model file brought back for the commands that use one (`evaluate`, `recommend`): the model it
// was trained as, on a device, with its weights and what it keeps of its data (the ids and the
// training interactions); and, for evaluation, the data it was trained on, found again by the
// absolute path the file records (or --data) and recognised by its fingerprint.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/io/array_archive.h"
#include "engine/model_file.h"
#include "engine/train/pipeline.h"
#include "tools/cli/args.h"

namespace sr::cli {

// --model-file and --device.
struct SavedModelArgs {
  std::string model_file, device = "auto";
  void add_to(CLI::App& app);
};

// Members are destroyed in reverse order: the model's device memory goes before its backend.
struct SavedModel {
  std::string path;
  ModelMeta meta;
  Task task = Task::ratings;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<TrainedModel> trained;
  ModelData data;
};
// Checks the file and the device, then builds the model and loads it.
SavedModel open_saved_model(const SavedModelArgs& a);

constexpr int64_t kSessionsPerBlock = 4096;  // sessions `recommend` scores together (their scores: block x items)

// The model's dense user indices of data ids (every user, in order, when `ids` is empty); an id the
// model does not know is refused, naming it.
std::vector<int32_t> user_rows(const SavedModel& s, const std::vector<int64_t>& ids);

// How many users `recommend` scores together: `block_users` when given (> 0), else as many as keep
// their scores (users x items, x rating levels) and their selection within `memory_budget_mb`
// (about three score-sized arrays live at once), at most 4096.
int64_t users_per_block(const SavedModel& s, int k, int64_t memory_budget_mb, int64_t block_users = 0);

// What `export` writes of a net: every parameter by name, a residual net's offsets
// ("offsets.user", "offsets.item") and the id maps ("user_ids", "item_ids").
std::vector<NamedArray> model_arrays(SavedModel& s);

// Where the data of a model file is and how it was read; `data` (--data and how to read it) points
// elsewhere when given.
// The item titles for `recommend` and `serve` (engine/data/item_titles.h), read before the model
// loads so that a bad file is the only line: `titles` is "auto" (u.item, movies.dat or movies.csv
// beside the data the model file records, when there), "none", or a file; empty when none.
std::unordered_map<int64_t, std::string> read_titles_option(const std::string& model_file, const std::string& titles);

// `test_paths`: the test part of a split given as files (`data` names the training part).
DataReference data_reference(const ImportArgs& data, const Dataset& d, const std::vector<std::string>& test_paths = {});
// The data the model was trained on: the recorded paths read as they were (or `other`, when it
// names paths), refused, naming both, when it is not the same data. A model trained on a split
// given as files: both files joined again (`other` and `other_test` point elsewhere), and the
// split into `file_split`.
Dataset open_training_data(const SavedModel& m, const ImportArgs& other, const ImportArgs& other_test = {},
                           std::optional<Split>* file_split = nullptr);

}  // namespace sr::cli
