// A trained model on disk that stands alone: what built it (model, task, options), its weights, and
// what inference needs without the data — the id maps and each user's training interactions (the
// inputs of user- and item-based models and what top-K excludes), or a session model's items — so
// `recommend` runs from the file alone, from any directory. It also names the data it was trained
// on (absolute paths, how they were read, and their fingerprint) and how that data was split, for
// `evaluate`, which refuses other data. Written to a temporary name, fsynced, then renamed; a
// truncated or altered file is refused on load. (Training checkpoints: engine/train/checkpoint.h.)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/data/field_inputs.h"
#include "engine/net/param_store.h"
#include "kernels/csr.h"

namespace sr {

// The data a model was trained on, to find it again and recognise it.
struct DataReference {
  std::vector<std::string> paths;  // absolute
  // A split given as files (engine/data/file_split.h): `paths` the training part, these the test
  // part (absolute); empty for a split the protocol made.
  std::vector<std::string> test_paths;
  std::string layout = "auto", columns, separator, duplicates;  // how text was read (ImportArgs)
  uint64_t fingerprint = 0;                                     // dataset_fingerprint of what was read
  int64_t n_events = 0;
};

struct ModelMeta {
  std::string model;
  std::string task;  // task_name(): "rating", "top-N", "session"
  std::map<std::string, std::string> options;
  int64_t n_users = 0, n_items = 0;  // the shape the model was built for
  DataReference data;
  double test_fraction = 0.1;  // rating models: the random holdout (split_seed)
  uint64_t split_seed = 42;
  uint64_t negatives_seed = 42;    // top-N models: the seed of the 99 negatives their run sampled
  std::vector<FieldShape> fields;  // the side fields the model reads (read from the file; save takes ModelData's)
};

// What inference needs of the data, kept in the file.
struct ModelData {
  std::vector<int64_t> user_ids, item_ids;  // dense index -> the id in the input (session models: items only)
  HostCsr train_by_user;                    // users x items; values the ratings, none for implicit feedback
  std::vector<FieldTable> fields;           // the side fields a model over them reads, a row per user or item
};

void save_model(const std::string& path, const ModelMeta& meta, const ModelData& data, const ParamStore& store);
ModelMeta read_model_meta(const std::string& path);
// Loads the weights into the store of a net built from the same meta, and returns the data.
ModelData load_model(const std::string& path, ParamStore& store);

}  // namespace sr
