// Models by name: `sparserec train --model autorec hidden=500 l2=200`. Each model's file in
// models/ declares it — name, task, a line on what it is, its options (models/options.h) and its
// builder — and this registry lists them, baselines included; every listing, option check and
// help text is made from those declarations.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/train/built_model.h"
#include "models/options.h"

namespace sr {

struct ModelEntry {
  std::string name;
  Task task = Task::ratings;
  std::string summary;  // the model, its paper, the family
  std::vector<OptionSpec> options;
  std::function<BuiltModel(const ModelOptions&)> build;
  bool baseline = false;  // fitted, not trained: no weights to save
};

const std::vector<ModelEntry>& model_registry();

// The entry of `name` for `task`. Throws one line on an unknown name (listing the known ones) and,
// for a model of another task, names the command that trains it.
const ModelEntry& find_model(const std::string& name, Task task);

// Checks `options` against the entry's declarations and builds it for data of this shape (rating
// data: `rating_values`, its distinct training ratings; data with side features: their `fields`;
// see ModelOptions).
BuiltModel build_model(const ModelEntry& entry, const std::map<std::string, std::string>& options, int64_t n_users,
                       int64_t n_items, std::vector<float> rating_values = {}, std::vector<FieldShape> fields = {});
// The same by name, for models whose name says their task (every model but the baselines).
BuiltModel build_model(const std::string& name, const std::map<std::string, std::string>& options, int64_t n_users,
                       int64_t n_items, std::vector<float> rating_values = {});

// The listing of `sparserec models`: every model with its options, defaults, ranges and help.
std::string describe_models();

}  // namespace sr
