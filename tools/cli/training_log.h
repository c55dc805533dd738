// --log FILE of the training commands: one JSON object per line, appended and flushed as training
// goes (so a resumed run continues the same file, and a killed one keeps what it did), for
// `sparserec plot` and notebooks:
//   {"event":"start","command":"topn","model":"cdae","options":{...}}  each run's first line
//   {"event":"phase","text":...}  the selection run, the refit, a model pretrained (NeuMF)
//   {"event":"epoch","epoch":3,"epochs":20,"loss":...,"seconds":...,"rate":...,"unit":"ratings","elapsed":...}
//   {"event":"validation","epoch":3,"metric":"validation NDCG@20","value":...}  (early stopping)
// A phase line starts a new run's curve (its epochs count from 1 again); pretraining epochs carry
// "pretrain": true.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/train/trainer.h"

namespace sr::cli {

class TrainingLog {
 public:
  // Opens `path` for appending; throws naming it when it cannot be.
  explicit TrainingLog(const std::string& path);
  ~TrainingLog();
  TrainingLog(const TrainingLog&) = delete;
  TrainingLog& operator=(const TrainingLog&) = delete;

  void start(const std::string& command, const std::string& model, const nlohmann::json& options);
  void phase(const std::string& text);
  void epoch(const EpochReport& r, bool pretrain = false);
  void validation(int epoch, const std::string& metric, double value);

 private:
  void write(nlohmann::json j);
  std::string path_;
  std::FILE* f_ = nullptr;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace sr::cli
