// The one training pipeline every command goes through (`train`, `topn`, `session`, and what comes
// after them): a built model and its data in, a trained model out, ready to score. It places the
// net on the backend, reads the data in the form the model's family takes — rows of the rating
// matrix (as softmax levels for RBM-CF), rows with sampled targets, (user, item) pairs,
// session-parallel lanes or session prefixes — trains the models it starts from first (NeuMF), then
// trains it, data-parallel when the config says so; a baseline is fitted instead.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "engine/data/rating_offsets.h"
#include "engine/eval/label_eval.h"
#include "engine/eval/rating_eval.h"
#include "engine/eval/recommend.h"
#include "engine/model_file.h"
#include "engine/train/built_model.h"
#include "engine/train/early_stopping.h"
#include "engine/train/trainer.h"

namespace sr {

// The data a model is trained on.
struct TrainingData {
  // Rating and top-N models: the training part of a split of a dataset (top-N models read it as
  // implicit feedback: every interaction counts 1).
  // With early stopping the split's `valid` part is what each epoch is scored on: random ratings
  // (carve_validation) or each user's second latest interaction (leave_one_out with validation).
  const Dataset* dataset = nullptr;
  const Split* split = nullptr;
  // Session models: the training sessions, and with early stopping the sessions each epoch is
  // scored on (MRR@20 of their next clicks), in the same item space.
  const Sessions* sessions = nullptr;
  const Sessions* valid_sessions = nullptr;
  // Early stopping with a refit: the training and validation sessions together, trained on once
  // the epochs are chosen.
  const Sessions* all_sessions = nullptr;
  // Set: a pair net trained on labelled pairs, its events with the label rating >= positive_at (1)
  // or not (0), no sampled negatives, early stopping on the validation log loss (the ctr protocol,
  // engine/eval/label_eval.h).
  std::optional<float> positive_at{};
};

struct FitOptions {
  TrainConfig config;  // the model's run
  uint64_t seed = 1;   // initialisation and draws of the executor
  // The run of a model this one starts from (NeuMF's GMF and MLP), from that model's defaults
  // (default: `config`).
  std::function<TrainConfig(const TrainDefaults&)> pretrain_config{};
  std::function<void(const EpochReport&)> on_epoch{};  // each epoch of the model's run
  // > 0: early stopping with this patience, scored after each epoch on the split's valid part
  // (validation RMSE; NDCG@20 over all items) or the validation sessions (MRR@20); --epochs is
  // then the most epochs. With `early_stop_refit` (engine/train/early_stopping.h) a fresh net then
  // trains on train + valid for the best epoch's number of epochs; else the best epoch's weights
  // are kept.
  int early_stop_patience = 0;
  bool early_stop_refit = true;
  // With a refit: the epochs already chosen by a selection run of this same model (a choice of an
  // option's value ran it, engine/train/option_choice.h), so that the refit follows at once.
  std::optional<EarlyStopReport> selection{};
  std::function<void(const std::string&)> on_phase{};           // announces the selection run and the refit
  std::function<void(const std::string&)> on_pretrain{};        // announces each model pretrained
  std::function<void(const EpochReport&)> on_pretrain_epoch{};  // and each of its epochs
  // Each epoch's validation score, as early stopping reads it (its metric's name, e.g.
  // "validation NDCG@20", and the value), right after the epoch's on_epoch.
  std::function<void(int epoch, const std::string& metric, double value)> on_validation{};
};

class TrainedModel {
 public:
  TrainedModel() = default;
  // Its executor refers to `model.net` and its scorers to `by_user` and `inputs`: it stays put.
  TrainedModel(const TrainedModel&) = delete;
  TrainedModel& operator=(const TrainedModel&) = delete;

  BuiltModel model;
  std::unique_ptr<Exec> exec;  // the net on its backend (null for a baseline)
  // Rating and top-N models: the training interactions (users x items; top-N: every value 1), and
  // the rows the net reads, in its orientation (the user node and rating levels applied).
  HostCsr by_user, inputs;
  std::optional<RatingOffsets> offsets;  // a residual net's b_u + b_i (BuiltModel::residual_mean_param), from by_user
  // Pair nets: the data's side fields (engine/data/field_inputs.h), which those over side features
  // read; from the data, or from the model file for a restored model.
  std::vector<FieldTable> fields;
  PairInputs pair_inputs() const;  // a pair net's inputs, over `fields`
  std::vector<EpochReport> epochs;
  EarlyStopReport early_stop;  // best_epoch 0 when early stopping was off
  double fit_seconds = 0.0;    // training (or fitting) wall time, pretraining included

  // A model saved by save(), on `be`: the net built again (`model`, from the file's meta), its
  // weights and its training interactions read from the file; it scores as it did when saved.
  static std::unique_ptr<TrainedModel> restore(BuiltModel model, Backend& be, const std::string& path,
                                               ModelData* data = nullptr);
  // Writes the model file: `meta` and `data` (the ids and, unless a session model, the training
  // interactions by user) beside the weights.
  void save(const std::string& path, const ModelMeta& meta, const ModelData& data) const;

  double median_epoch_seconds() const;
  double median_rate() const;  // interactions (or events) trained on per second, median epoch

  // The scorers of the evaluation protocols (engine/eval), kept by the model: every item for users
  // (top-N), the next click of session lanes (sessions).
  Scorer& topn_scorer();
  SessionScorer& session_scorer();
  // Rating prediction metrics on part `heldout` of the split the model was trained on.
  RatingMetrics rating_metrics(const Dataset& d, const Split& s, Part heldout);
  // A pair net's AUC and log loss on the labelled events of part `heldout` (TrainingData::positive_at).
  LabelMetrics label_metrics(const Dataset& d, const Split& s, Part heldout, float positive_at);
  // Top-K unseen items for users (dense indices) of a rating or top-N model. Call it a block of
  // users at a time: scores are block x items on the device. The model must not train meanwhile
  // (an item-based model keeps its items' hidden rows from the first call).
  std::vector<std::vector<Scored>> recommend(const std::vector<int32_t>& users, int k);
  // Every item's vector, in a space where alike items point alike (their cosine): a factor model's
  // item factors, an item-based model's hidden rows, else the output's table of a vector per item
  // (engine/net/layer.h column_table). Empty (dim 0) when the model has none: a baseline, a model
  // with rating levels.
  struct ItemVectors {
    int64_t n = 0, dim = 0;
    std::vector<float> values;  // n x dim
  };
  ItemVectors item_vectors();
  // Every user's vector, the one its scores are the dot products of with item_vectors() (plus
  // biases): a factor model's user factors, a user-based net's input to its output layer, an
  // item-based net's output table. Empty where there is none (pair towers, session models).
  ItemVectors user_vectors();
  // User and item vectors whose dot product is the score the model ranks a user's items by (up to
  // a constant per user, through a monotone activation), for an inner-product index to retrieve
  // exactly what the model would rank first: a factor model's factors with their bias columns, a
  // user-based net's [h_u, 1] and [w_i, c_i] (c_i its output bias, plus a residual net's item
  // offset). Empty where the score is no such dot product (pair towers, item-based nets, rating
  // levels, session models).
  struct ScoreVectors {
    ItemVectors users, items;
  };
  ScoreVectors score_vectors();
  // Drops every scorer and cache made from the net (a refit replaces the net they read).
  void reset_scorers();
  // Top-K next items after each click sequence (item indices) of a session model.
  std::vector<std::vector<Scored>> recommend_next(const std::vector<std::vector<int32_t>>& sessions, int k);

 private:
  ItemVectors output_table_vectors() const;  // a vector per column of the output's table
  friend std::unique_ptr<TrainedModel> fit_model(BuiltModel, const TrainingData&, Backend*, const FitOptions&);
  std::unique_ptr<Scorer> topn_;
  std::unique_ptr<SessionScorer> sessions_;
  std::unique_ptr<RatingPredictor> ratings_;  // a rating baseline, fitted
  std::optional<RatingRange> rating_range_;   // of by_user's ratings, found at the first recommend()
  Tensor item_hidden_;                        // item-based models: every item's hidden row, ditto
  std::unique_ptr<FactorScorer> factors_;     // pair models that factorize: their factors, ditto
  const Tensor& item_hidden();
  int64_t n_items_ = 0;
};

// Fits `model` on `data`: a net is placed on `be` and trained per `o`; a baseline is fitted.
std::unique_ptr<TrainedModel> fit_model(BuiltModel model, const TrainingData& data, Backend* be, const FitOptions& o);

}  // namespace sr
