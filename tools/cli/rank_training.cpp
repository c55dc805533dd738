#include "tools/cli/rank_training.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "engine/train/checkpoint.h"
#include "kernels/error.h"

namespace sr::cli {

void StepProfile::add(const EpochReport& r) { sum_ += r.step_times; }

nlohmann::json StepProfile::result(const std::string& command, const std::string& model, const nlohmann::json& options,
                                   const TrainConfig& cfg, const Net& net, const Backend& be) const {
  if (sum_.steps == 0)
    throw error("--profile-steps: no step was timed (the data has too few batches for a warm-up and a timed step)");
  const double steps = static_cast<double>(sum_.steps);
  int64_t weights = 0;
  for (const Param* p : net.params()) weights += p->rows * p->cols;
  nlohmann::json j;
  j["command"] = "profile";
  j["of"] = command;
  j["model"] = model;
  j["options"] = options;
  j["device"] = be.describe();
  j["shards"] = cfg.parallel.shards;
  j["ranks"] = cfg.parallel.ranks();
  j["shard_rows"] = cfg.batch_rows;
  j["steps"] = sum_.steps;
  j["weights"] = weights;
  const double shards = static_cast<double>(std::max<int64_t>(sum_.shards, 1));
  j["shard_seconds"] = sum_.shard_seconds / shards;    // one shard's gradient
  j["bucket_seconds"] = sum_.bucket_seconds / shards;  // adding it into the exchange's bucket
  j["update_seconds"] = sum_.update_seconds / steps;
  j["reduce_bytes"] = static_cast<double>(sum_.exchange.reduce_bytes) / steps;  // per rank and step
  j["gather_bytes"] = static_cast<double>(sum_.exchange.gather_bytes) / steps;
  j["dense_bytes"] = static_cast<double>(sum_.exchange.dense_bytes) / steps;
  j["wait_seconds"] = sum_.exchange.wait_seconds / steps;
  return j;
}

std::unique_ptr<Backend> open_rank_device(const std::string& device, const Communicator& comm) {
  Device d = Device::parse(device);
  if (d.kind == DeviceKind::cuda && device.find(':') == std::string::npos) d.index = comm.local_rank();
  return open_device(d);
}

namespace {

std::unique_ptr<Communicator> gradient_communicator(const std::string& choice, Communicator& host, Backend& be) {
  const bool gpu = be.device().kind == DeviceKind::cuda;
  if (choice == "nccl" || (choice == "auto" && gpu && host.size() > 1 && have_nccl())) {
    auto c = make_nccl_communicator(host, be);
    std::fprintf(stderr, "gradients: %s\n", c->describe().c_str());
    return c;
  }
  return nullptr;
}

void announce_resume(const TrainConfig& cfg) {
  if (!cfg.checkpoint.resume || !cfg.checkpoint.writer) return;
  const std::string path = newest_checkpoint(cfg.checkpoint.dir);
  if (path.empty())
    std::fprintf(stderr, "resume: no checkpoint in '%s' yet: training from the start\n", cfg.checkpoint.dir.c_str());
  else
    std::fprintf(stderr, "resume: from %s\n", path.c_str());
}

}  // namespace

RankTraining::RankTraining(const TrainFlags& flags, const TrainDefaults& defaults, Communicator& comm,
                           const std::string& run)
    : flags_(&flags),
      comm_(&comm),
      backend_(open_rank_device(flags.device, comm)),
      nccl_(gradient_communicator(flags.comm, comm, *backend_)),
      config_(flags.config(defaults, &gradients(), run)) {
  announce_resume(config_);
}

std::function<void(const EpochReport&)> RankTraining::reporter() {
  return [this](const EpochReport& r) {
    profile_.add(r);
    if (comm_->rank() == 0) flags_->print_epoch(r);
  };
}

bool RankTraining::profiled(const std::string& command, const std::string& model, const nlohmann::json& options,
                            const Net& net) {
  if (config_.profile_steps <= 0) return false;
  if (comm_->rank() == 0) print_result(profile_.result(command, model, options, config_, net, *backend_));
  return true;
}

std::string run_id(const std::string& command, const std::string& model,
                   const std::map<std::string, std::string>& options, const std::vector<std::string>& data) {
  nlohmann::json j;
  j["command"] = command, j["model"] = model, j["options"] = options, j["data"] = data;
  return j.dump();
}

void check_ranks_agree(Communicator& comm, std::span<const RankAgreement> parts) {
  if (comm.size() <= 1) return;
  const auto n = static_cast<int64_t>(parts.size());
  std::vector<uint64_t> mine(parts.size()), all(parts.size() * static_cast<size_t>(comm.size()));
  for (size_t k = 0; k < parts.size(); ++k) mine[k] = parts[k].checksum;
  comm.all_gather_host(reinterpret_cast<const int32_t*>(mine.data()), 2 * n, reinterpret_cast<int32_t*>(all.data()));
  for (int r = 1; r < comm.size(); ++r)
    for (int64_t k = 0; k < n; ++k)
      if (all[static_cast<size_t>(r * n + k)] != all[static_cast<size_t>(k)])
        throw error("data-parallel: rank ", r, " of ", comm.size(), " differs from rank 0 in ", parts[k].what,
                    ": every rank must run the same command on the same data");
}

void run_job(const std::function<void(Communicator& comm)>& body) {
  std::unique_ptr<Communicator> comm = open_communicator();
  try {
    body(*comm);
  } catch (const std::exception& e) {
    if (comm->size() > 1) comm->abort(e.what());  // every rank stops; the message names this one
    throw;
  }
}

}  // namespace sr::cli
