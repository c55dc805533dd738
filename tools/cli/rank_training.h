// A process's part of a training job (DESIGN.md §4): under mpirun every process is one rank of a
// data-parallel run, else the only one. Its device, the communicator its gradients go through, its
// run's configuration, the progress lines, and the step profile of --profile-steps.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "engine/dist/communicator.h"
#include "kernels/backend.h"
#include "tools/cli/args.h"
#include "tools/cli/output.h"

namespace sr::cli {

// --profile-steps: the timed steps' figures summed over the epoch reports, printed as the run's
// JSON result in place of an evaluation (tools/scaling_estimate.py reads it).
class StepProfile {
 public:
  void add(const EpochReport& r);
  // {"command": "profile", ...}: seconds and bytes per global step, per rank.
  nlohmann::json result(const std::string& command, const std::string& model, const nlohmann::json& options,
                        const TrainConfig& cfg, const Net& net, const Backend& be) const;

 private:
  StepTimes sum_;
};

// The device of a rank: --device, where "cuda" (or "auto" finding a GPU) means the GPU of the
// rank's index on its node.
std::unique_ptr<Backend> open_rank_device(const std::string& device, const Communicator& comm);

// What every training command sets up for its rank of the job, in this order: the rank's device
// ("cuda", or "auto" finding a GPU, means the GPU of the rank's index on its node), the
// communicator its gradients go through (--comm: NCCL between the GPUs of a multi-rank job, or when
// asked; else the host communicator), and the run's configuration (announcing, with --resume, the
// checkpoint it goes on from). Keep it alive while the model trains and scores.
class RankTraining {
 public:
  // `run`: what is trained, for TrainFlags::config.
  RankTraining(const TrainFlags& flags, const TrainDefaults& defaults, Communicator& comm, const std::string& run);
  Backend& backend() { return *backend_; }
  Communicator& gradients() { return nccl_ ? *nccl_ : *comm_; }  // what the gradients go through
  const TrainConfig& config() const { return config_; }
  bool leader() const { return comm_->rank() == 0; }
  // The epochs' callback: sums the profile; rank 0 prints the progress line.
  std::function<void(const EpochReport&)> reporter();
  // With --profile-steps: rank 0 prints the profile as the run's result, and the command ends
  // there (true). Else false.
  bool profiled(const std::string& command, const std::string& model, const nlohmann::json& options, const Net& net);

 private:
  const TrainFlags* flags_;
  Communicator* comm_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Communicator> nccl_;  // destroyed before backend_
  TrainConfig config_;
  StepProfile profile_;
};

// Every rank of a data-parallel job must run the same command on the same data. Each part names
// something that must agree and its checksum on this rank; a rank whose checksum differs from rank
// 0's stops the job with a line naming the rank and what differs, instead of a model averaged from
// different runs.
struct RankAgreement {
  const char* what;
  uint64_t checksum;
};
void check_ranks_agree(Communicator& comm, std::span<const RankAgreement> parts);

// What a training command trains, for TrainFlags::config's `run`.
std::string run_id(const std::string& command, const std::string& model,
                   const std::map<std::string, std::string>& options, const std::vector<std::string>& data);

// Runs a training command as this process's part of its job. An error on any rank stops every
// rank, each exiting non-zero with the failing rank's cause, so that none waits for the others.
// Rank 0 (the leader) prints the results and writes files.
void run_job(const std::function<void(Communicator& comm)>& body);

}  // namespace sr::cli
