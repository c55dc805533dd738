// A model as its builder (models/) hands it to the engine: the net, or for a baseline the function
// that fits it, and how the training pipeline (pipeline.h) trains and scores it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/rating_levels.h"
#include "engine/data/sessions.h"
#include "engine/data/split.h"
#include "engine/eval/factor_scorer.h"
#include "engine/eval/rating_eval.h"
#include "engine/eval/session_eval.h"
#include "engine/eval/topn_eval.h"
#include "engine/net/net.h"
#include "engine/net/param_store.h"
#include "engine/train/session_trainer.h"
#include "engine/train/skip_gram_trainer.h"
#include "engine/train/trainer.h"
#include "engine/train/two_tower_trainer.h"

namespace sr {

// What a model predicts, which decides the command that trains it and the protocol that tests it.
enum class Task {
  ratings,   // explicit ratings (`sparserec train`; RMSE on a random holdout)
  topn,      // top-N from implicit feedback (`sparserec topn`; leave-one-out)
  sessions,  // the next click in sessions (`sparserec session`; every next click of test sessions)
};
const char* task_name(Task t);             // "rating", "top-N", "session"
const char* task_command(Task t);          // "train", "topn", "session"
Task parse_task(const std::string& name);  // task_name() back; throws on anything else

// Training settings a model is best trained with; command-line flags override them.
struct TrainDefaults {
  std::string optimizer = "adam";
  float lr = 1e-3f;
  int epochs = 20;
  int64_t batch_rows = 256;
  // Top-N models: > 0 sampled negatives per positive (trained on a "targets" input), -1 a
  // full-softmax model (its input is its target). Rating models: 0.
  int negatives = 0;
  float momentum = 0.0f;  // SGD's
  float lr_decay = 1.0f;  // the learning rate is multiplied by this after every epoch
  float average = 0.0f;   // > 0: train on, and end with, a moving average of the weights (OptimizerConfig)
};

struct BuiltModel {
  Task task = Task::ratings;
  Net net;                        // empty for a baseline
  RowsAre rows = RowsAre::users;  // what a row of the input matrix is
  TrainDefaults defaults;
  bool user_node = false;  // the input has a column per user after the items (CDAE)
  // The net scores (user, item) pairs: inputs "user", "item", "label" (PairInputs), trained by
  // train_pairs; rows = users. Otherwise its input "ratings" is a row of the matrix.
  bool pairs = false;
  // Set: the input is each rating as a softmax over the scale's levels (expand_rating_levels) and
  // the output a logit per level; predictions are the expected rating (RBM-CF).
  std::optional<RatingScale> rating_levels{};
  // Non-empty: the net learns around the damped user and item biases (engine/data/rating_offsets.h).
  // Its rows are the ratings minus b_u + b_i — the mean stays in, so that a rated cell stays apart
  // from an unrated 0 — and its predictions plus them; this parameter (an output bias) starts at
  // the mean, so that with its output weights at zero the untrained net predicts the biases
  // exactly. Rating nets over rows of the matrix only (not pairs, not rating levels).
  std::string residual_mean_param{};
  // Non-empty: this parameter (a softmax-level net's visible biases, one per column of its
  // expanded input) starts at the log of each level's share of the training ratings, so that the
  // untrained net predicts their distribution — its expected rating is their mean — whatever the
  // data (RBM-CF; otherwise it starts at uniform levels, the middle of the scale).
  std::string level_prior_param{};
  // Options the builder took from the data rather than from its declared defaults (RBM-CF's rating
  // scale): the model file records them, so the model builds again from its file alone.
  std::map<std::string, std::string> derived_options{};
  // The training step; null means backprop. (RBM-CF trains by contrastive divergence.)
  std::function<std::unique_ptr<TrainStep>()> make_step{};
  // Models this one starts from (NeuMF from GMF and MLP): built by pretrain_parts, each trained
  // with its own defaults, then copied in by init_from_pretrained.
  std::function<std::vector<BuiltModel>()> pretrain_parts{};
  std::function<void(ParamStore&, const std::vector<const ParamStore*>&)> init_from_pretrained{};
  // Session nets: the weight of the session's own items mixed into the scores
  // (engine/eval/repeat_mix.h). Unset: chosen on the validation sessions after training when early
  // stopping has them, else 0.
  std::optional<float> repeat_weight{};
  // Session models (GRU4Rec, NARM): inputs "item" and "next", trained by train_sessions on click
  // sessions with defaults.batch_rows lanes; `sampling` for a sampled ranking output.
  SessionSampling sampling{};
  // > 0: a sequence net (NARM: inputs "clicks", "mask", "next") that reads each session prefix
  // whole, its last `prefix_steps` clicks, trained by train_prefixes; 0: one click per step.
  int64_t prefix_steps = 0;
  bool prefixes_in_time_order = false;  // else shuffled per epoch
  // Set: a two-tower top-N net (inputs "ratings", "targets", "logq"), trained by train_two_tower on
  // every interaction with in-batch and sampled negatives.
  std::optional<InBatchSampling> in_batch{};
  // Set: a skip-gram net (Prod2vec: inputs "center", "context"), trained by train_skip_gram on the
  // windows of the training sessions.
  std::optional<SkipGram> skip_gram{};
  // Set: a session net's scorer made from its trained weights instead of by running the net (a
  // skip-gram's item vectors, engine/eval/item_vector_session_scorer.h).
  std::function<std::unique_ptr<SessionScorer>(Exec&)> make_session_scorer{};
  // Non-empty: the parameter whose rows are the items' vectors (a skip-gram's input vectors), for
  // item_vectors(), instead of the output's table.
  std::string item_vector_param{};
  // A baseline (no net): fitted on the training data instead of trained.
  std::function<std::unique_ptr<Scorer>(const HostCsr& train_by_user)> fit_topn{};
  std::function<std::unique_ptr<SessionScorer>(const Sessions& train)> fit_sessions{};
  std::function<std::unique_ptr<RatingPredictor>(const HostCsr& train_by_user)> fit_ratings{};

  // A pair model whose scores factorize (GMF, biased MF): its factors from the trained weights, so
  // that recommendation scores a block of users against every item by one GEMM.
  std::function<PairFactors(const ParamStore&)> pair_factors{};

  bool is_baseline() const { return fit_topn || fit_sessions || fit_ratings; }
};

}  // namespace sr
