#include "tools/cli/training_log.h"

#include <cerrno>
#include <cstring>

#include "kernels/error.h"
#include "tools/cli/output.h"

namespace sr::cli {

TrainingLog::TrainingLog(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "a")) {
  if (!f_) throw error("--log '", path, "': cannot open it for writing (", std::strerror(errno), ")");
}

TrainingLog::~TrainingLog() {
  if (f_) std::fclose(f_);
}

void TrainingLog::write(nlohmann::json j) {
  j["elapsed"] = seconds_since(start_);
  const std::string line = j.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0)
    throw error("--log '", path_, "': write failed (", std::strerror(errno), ")");
}

void TrainingLog::start(const std::string& command, const std::string& model, const nlohmann::json& options) {
  write({{"event", "start"}, {"command", command}, {"model", model}, {"options", options}});
}

void TrainingLog::phase(const std::string& text) { write({{"event", "phase"}, {"text", text}}); }

void TrainingLog::epoch(const EpochReport& r, bool pretrain) {
  nlohmann::json j = {{"event", "epoch"},     {"epoch", r.epoch},         {"epochs", r.epochs}, {"loss", r.loss},
                      {"seconds", r.seconds}, {"rate", r.nnz_per_second}, {"unit", r.unit}};
  if (pretrain) j["pretrain"] = true;
  write(std::move(j));
}

void TrainingLog::validation(int epoch, const std::string& metric, double value) {
  write({{"event", "validation"}, {"epoch", epoch}, {"metric", metric}, {"value", value}});
}

}  // namespace sr::cli
