// A trained model on disk: what built it (model name, options, data shape and split) and every
// parameter with a checksum. Written to a temporary name, fsynced, then renamed, so a crash never
// leaves a half-written file under the real name; a truncated or altered file is refused on load.
// (Training checkpoints, with optimizer state and the data position: engine/train/checkpoint.h.)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/net/net.h"

namespace sr {

struct ModelMeta {
  std::string model;
  std::map<std::string, std::string> options;
  std::string data_path;
  int64_t n_users = 0, n_items = 0, n_ratings = 0;
  double test_fraction = 0.1;
  uint64_t split_seed = 42;
};

void save_model(const std::string& path, const ModelMeta& meta, const Net& net);
ModelMeta read_model_meta(const std::string& path);
// Loads the parameters into a net built from the same meta (already placed by an Exec).
void load_model_params(const std::string& path, Net& net);

}  // namespace sr
