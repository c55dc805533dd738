// Models by name: `sparserec train --model autorec hidden=500 l2=1`. Each model is a builder
// function in its own file of models/; this registry lists them, parses their key=value options
// and refuses an unknown model or an option the model never read.
#pragma once

#include <functional>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/data/split.h"
#include "engine/net/net.h"
#include "engine/train/session_trainer.h"
#include "engine/train/trainer.h"

namespace sr {

class ModelOptions {
 public:
  ModelOptions(std::map<std::string, std::string> kv, int64_t n_users, int64_t n_items)
      : kv_(std::move(kv)), n_users_(n_users), n_items_(n_items) {}
  int64_t n_users() const { return n_users_; }
  int64_t n_items() const { return n_items_; }
  int64_t get_int(const std::string& key, int64_t fallback);
  double get_double(const std::string& key, double fallback);
  std::string get_string(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);
  // Throws naming any option that no get_* read, with the ones the model knows.
  void check_all_used(const std::string& model) const;
  const std::map<std::string, std::string>& values() const { return kv_; }

 private:
  // Records `key` as known; returns its value if given (and records it as used), else null.
  const std::string* take(const std::string& key);
  std::map<std::string, std::string> kv_;
  std::set<std::string> known_, used_;
  int64_t n_users_, n_items_;
};

// Training settings a model is best trained with; command-line flags override them.
struct TrainDefaults {
  std::string optimizer = "adam";
  float lr = 1e-3f;
  int epochs = 20;
  int64_t batch_rows = 256;
  // Top-N models on implicit feedback: > 0 sampled negatives per positive (trained on a "targets"
  // input), -1 a full-softmax model (its input is its target); 0 a rating-prediction model.
  int negatives = 0;
  float momentum = 0.0f;  // SGD's
  float lr_decay = 1.0f;  // the learning rate is multiplied by this after every epoch
  float average = 0.0f;   // > 0: train on, and end with, a moving average of the weights (OptimizerConfig)
};

struct BuiltModel {
  Net net;
  RowsAre rows = RowsAre::users;  // what a row of the input matrix is
  TrainDefaults defaults;
  bool user_node = false;  // the input has a column per user after the items (CDAE)
  // The net scores (user, item) pairs: inputs "user", "item", "label" (PairInputs), trained by
  // train_pairs; rows = users. Otherwise its input "ratings" is a row of the matrix.
  bool pairs = false;
  // > 0: the input is each rating as this many softmax levels (expand_rating_levels) and the
  // output a logit per level; predictions are the expected rating (RBM-CF).
  int rating_levels = 0;
  // The training step; null means backprop. (RBM-CF trains by contrastive divergence.)
  std::function<std::unique_ptr<TrainStep>()> make_step{};
  // Models initialised from other trained models (NeuMF from GMF and MLP): their names, built with
  // `pretrain_options`, and the function that copies their trained parameters into this net.
  std::vector<std::string> pretrain_from{};
  std::map<std::string, std::string> pretrain_options{};
  std::function<void(Net&, const std::vector<const Net*>&)> init_from_pretrained{};
  // A session model (GRU4Rec, NARM): inputs "item" and "next", trained by train_sessions on click
  // sessions with defaults.batch_rows lanes; `sampling` for a sampled ranking output.
  bool sessions = false;
  SessionSampling sampling{};
  // > 0: a sequence net (NARM: inputs "clicks", "mask", "next") that reads each session prefix
  // whole, its last `prefix_steps` clicks, trained by train_prefixes; 0: one click per step.
  int64_t prefix_steps = 0;
  bool prefixes_in_time_order = false;  // else shuffled per epoch
};

struct ModelEntry {
  std::string name, description;
  std::function<BuiltModel(ModelOptions&)> build;
};

const std::vector<ModelEntry>& model_registry();
// Builds by name; throws on an unknown name (listing the known ones) or an unused option.
BuiltModel build_model(const std::string& name, ModelOptions& options);

// "key=value" arguments into a map; throws on a malformed one.
std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& args);

}  // namespace sr
