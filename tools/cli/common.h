// Pieces shared by the sparserec subcommands: loading and splitting ratings, placing a model on a
// device, and the one-line JSON result that ends stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/backend.h"
#include "engine/data/ratings.h"
#include "engine/data/split.h"
#include "engine/model_file.h"
#include "engine/net/exec.h"
#include "models/registry.h"

namespace sr::cli {

struct DataOptions {
  std::string path;
  double test_fraction = 0.1;
  uint64_t seed = 42;
  void add_to(CLI::App& app, bool required);
};

struct Loaded {
  Ratings ratings;
  Split split;
};
Loaded load_and_split(const DataOptions& d);

// The backend for --device, announced on stderr.
std::unique_ptr<Backend> open_device(const Device& device);

// Rebuilds the model a file was trained as, on `be`, with its trained weights.
struct LoadedModel {
  ModelMeta meta;
  std::unique_ptr<BuiltModel> built;  // on the heap: exec refers to built->net
  std::unique_ptr<Exec> exec;
};
LoadedModel load_model(const ModelMeta& meta, const std::string& path, Backend& be);

// The data a model file names must be the data it was trained on: same shape.
void check_same_data(const ModelMeta& meta, const Ratings& r, const std::string& path);

void print_result(const nlohmann::json& j);  // one line, last on stdout

void add_train_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_recommend_command(CLI::App& app);
void add_models_command(CLI::App& app);

}  // namespace sr::cli
