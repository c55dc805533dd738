#include "tools/cli/common.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "engine/error.h"

namespace sr::cli {

void ImportArgs::add_to(CLI::App& app, bool required, const char* what) {
  auto* o = app.add_option("--data", paths, what);
  if (required) o->required();
  std::string names;
  for (const auto& n : layout_names()) names += (names.empty() ? "" : ", ") + n;
  app.add_option("--layout", layout, "text layout: auto, " + names)->capture_default_str();
  app.add_option("--columns", columns, "layout csv: the role of each field, e.g. user,item,rating,time (- skips)");
  app.add_option("--separator", separator, "layout csv: , ; :: tab or space");
  app.add_option("--duplicates", duplicates, "a repeated (user, item): error, last (keep the latest) or keep "
                                             "(default: error for ratings, keep for clicks)");
  app.add_option("--threads", threads, "import threads (default: every core)");
}

ImportOptions ImportArgs::options() const {
  ImportOptions o;
  o.layout = layout;
  o.columns = columns;
  o.separator = separator;
  if (!duplicates.empty()) o.duplicates = parse_duplicates(duplicates);
  o.threads = threads;
  return o;
}

void DataOptions::add_to(CLI::App& app, bool required) {
  input.add_to(app, required, "a dataset file from `sparserec import`, or text in any layout (one or more files)");
  app.add_option("--test-fraction", test_fraction, "share of ratings held out for testing")->capture_default_str();
  app.add_option("--split-seed", seed, "seed of the random holdout split")->capture_default_str();
}

Loaded load_and_split(const DataOptions& d) {
  Loaded l;
  l.data = open_dataset(d.input.paths, d.input.options());
  if (l.data.info().feedback != Feedback::ratings)
    throw error("'", d.input.paths[0], "' holds clicks (", l.data.info().layout,
                "); rating prediction needs explicit ratings");
  l.split = random_holdout(l.data.n_events(), d.test_fraction, d.seed);
  std::fprintf(stderr, "data: %s: %lld ratings, %lld users, %lld items; %lld train / %lld test (seed %llu)\n",
               d.input.paths[0].c_str(), static_cast<long long>(l.data.n_events()),
               static_cast<long long>(l.data.n_users()), static_cast<long long>(l.data.n_items()),
               static_cast<long long>(l.split.count(Part::train)), static_cast<long long>(l.split.count(Part::test)),
               static_cast<unsigned long long>(d.seed));
  return l;
}

void TrainFlags::add_to(CLI::App& app) {
  app.add_option("--device", device, "auto, cpu, emu (CUDA kernels on the emulator), cuda, cuda:N")->capture_default_str();
  app.add_option("--epochs", epochs, "epochs (default: the model's)");
  app.add_option("--batch", batch, "rows per batch, 0 for full batch (default: the model's)");
  app.add_option("--optimizer", optimizer, "sgd, adam, adagrad or rprop (default: the model's)");
  app.add_option("--lr", lr, "learning rate, or Rprop's initial step (default: the model's)");
  app.add_option("--lr-decay", lr_decay, "multiply the learning rate by this after every epoch (default: the model's)");
  app.add_option("--average-weights", average,
                 "end on an exponential moving average of the weights with this decay a step, 0 for none (default: the model's)");
  app.add_option("--seed", seed, "seed of initialisation, shuffling, sampling and dropout")->capture_default_str();
  app.add_option("--scatter", scatter, "deterministic (bit-reproducible) or atomic")->capture_default_str();
  app.add_option("--progress-every", progress_every, "print every N-th epoch's progress line")->capture_default_str();
  app.add_option("--shards", shards,
                 "data-parallel: local batches per global step (default: the ranks of the mpirun job, else 1); "
                 "one process with --shards N trains as N ranks do");
  app.add_option("--comm", comm,
                 "data-parallel gradient exchange: auto (NCCL between GPUs, else MPI on the host), host, nccl")
      ->capture_default_str();
  app.add_option("--checkpoint-dir", checkpoint_dir, "write training checkpoints here (at every epoch's end, and see --checkpoint-every)");
  app.add_option("--checkpoint-every", checkpoint_every, "also checkpoint every N (global) steps within an epoch");
  app.add_flag("--resume", resume, "go on from the newest checkpoint in --checkpoint-dir (from the start if there is none)");
  app.add_option("--profile-steps", profile_steps,
                 "measure instead of training: one warm-up and N timed global steps through the data-parallel path, "
                 "then print seconds and bytes exchanged per step (no evaluation, no files)");
}

void TrainFlags::check() const {
  Device::parse(device);
  if (!optimizer.empty()) parse_optimizer(optimizer);
  if (average != -1.0f && !(average >= 0.0f && average < 1.0f))
    throw error("--average-weights must be in [0, 1), got ", average);
  if (scatter != "deterministic" && scatter != "atomic")
    throw error("--scatter must be deterministic or atomic, got '", scatter, "'");
  if (shards < 0) throw error("--shards must be positive, got ", shards);
  if (comm != "auto" && comm != "host" && comm != "nccl") throw error("--comm must be auto, host or nccl, got '", comm, "'");
  if (checkpoint_every < 0) throw error("--checkpoint-every must be >= 0, got ", checkpoint_every);
  if (profile_steps < 0) throw error("--profile-steps must be >= 0, got ", profile_steps);
  if ((resume || checkpoint_every > 0) && checkpoint_dir.empty())
    throw error(resume ? "--resume" : "--checkpoint-every", " needs --checkpoint-dir");
}

TrainConfig TrainFlags::config(const TrainDefaults& d, Communicator* comm, const std::string& run) const {
  TrainConfig cfg;
  cfg.parallel.comm = comm;
  cfg.parallel.shards = shards > 0 ? shards : (comm ? comm->size() : 1);
  cfg.parallel.check();
  cfg.epochs = epochs >= 0 ? epochs : d.epochs;
  cfg.batch_rows = batch >= 0 ? batch : d.batch_rows;
  cfg.seed = seed;
  cfg.optimizer.kind = parse_optimizer(optimizer.empty() ? d.optimizer : optimizer);
  cfg.optimizer.lr = lr > 0.0f ? lr : d.lr;
  cfg.lr_decay = lr_decay > 0.0f ? lr_decay : d.lr_decay;
  cfg.optimizer.average = average >= 0.0f ? average : d.average;
  cfg.optimizer.momentum = d.momentum;
  cfg.scatter = scatter == "atomic" ? ScatterMode::atomic : ScatterMode::deterministic;
  if (cfg.parallel.shards > 1) {  // --batch is the global batch; each shard trains its part
    if (cfg.batch_rows <= 0 || cfg.batch_rows % cfg.parallel.shards != 0)
      throw error("data-parallel over ", cfg.parallel.shards, " shards: --batch (the global batch, now ",
                  cfg.batch_rows, ") must be a positive multiple of it");
    cfg.batch_rows /= cfg.parallel.shards;
  }
  if (profile_steps > 0 && cfg.batch_rows <= 0)
    throw error("--profile-steps times batches, and this model trains on the whole matrix as one: give --batch");
  cfg.checkpoint.dir = checkpoint_dir;
  cfg.checkpoint.every = checkpoint_every;
  cfg.checkpoint.resume = resume;
  cfg.checkpoint.writer = !comm || comm->rank() == 0;
  cfg.profile_steps = profile_steps;
  nlohmann::json id;  // everything that changes the run's steps (--epochs only says where it ends)
  id["run"] = run, id["seed"] = seed, id["batch"] = cfg.batch_rows, id["shards"] = cfg.parallel.shards;
  id["optimizer"] = optimizer_name(cfg.optimizer.kind), id["lr"] = cfg.optimizer.lr, id["lr_decay"] = cfg.lr_decay;
  if (cfg.optimizer.average > 0.0f) id["average"] = cfg.optimizer.average;  // older checkpoints stay valid
  id["scatter"] = scatter;
  cfg.checkpoint.run = id.dump();
  return cfg;
}

void TrainFlags::print_epoch(const EpochReport& r) const {
  if (r.epoch % progress_every != 0 && r.epoch != r.epochs) return;
  std::string exchange;
  if (const ExchangeStats& x = r.step_times.exchange; x.steps > 0) {
    const double n = static_cast<double>(x.steps);
    char text[160];
    std::snprintf(text, sizeof text, "  | exchange %.3g MB/step a rank (dense %.3g MB), waited %.3f s", 
                  static_cast<double>(x.reduce_bytes + x.gather_bytes) / n / 1e6, static_cast<double>(x.dense_bytes) / n / 1e6,
                  x.wait_seconds);
    exchange = text;
  }
  std::fprintf(stderr, "epoch %d/%d  loss %.6g  %.3f s  %.0f %s/s%s\n", r.epoch, r.epochs, r.loss, r.seconds,
               r.nnz_per_second, r.unit, exchange.c_str());
}

void StepProfile::add(const EpochReport& r) { sum_ += r.step_times; }

nlohmann::json StepProfile::result(const std::string& command, const std::string& model, const nlohmann::json& options,
                                   const TrainConfig& cfg, const Net& net, const Backend& be) const {
  if (sum_.steps == 0) throw error("--profile-steps: no step was timed (the data has too few batches for a warm-up and a timed step)");
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

namespace {

std::unique_ptr<Backend> open_rank_device(const std::string& device, const Communicator& comm) {
  Device d = Device::parse(device);
  if (d.kind == DeviceKind::cuda && device.find(':') == std::string::npos) d.index = comm.local_rank();
  return open_device(d);
}

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

RankTraining::RankTraining(const TrainFlags& flags, const TrainDefaults& defaults, Communicator& comm, const std::string& run)
    : flags_(&flags), comm_(&comm), backend_(open_rank_device(flags.device, comm)),
      nccl_(gradient_communicator(flags.comm, comm, *backend_)), config_(flags.config(defaults, &gradients(), run)) {
  announce_resume(config_);
}

std::function<void(const EpochReport&)> RankTraining::reporter(std::function<void(const EpochReport&)> also) {
  return [this, also](const EpochReport& r) {
    profile_.add(r);
    if (comm_->rank() == 0) flags_->print_epoch(r);
    if (also) also(r);
  };
}

bool RankTraining::profiled(const std::string& command, const std::string& model, const nlohmann::json& options, const Net& net) {
  if (config_.profile_steps <= 0) return false;
  if (comm_->rank() == 0) print_result(profile_.result(command, model, options, config_, net, *backend_));
  return true;
}

std::string run_id(const std::string& command, const std::string& model, const std::map<std::string, std::string>& options,
                   const std::vector<std::string>& data) {
  nlohmann::json j;
  j["command"] = command, j["model"] = model, j["options"] = options, j["data"] = data;
  return j.dump();
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

std::unique_ptr<Backend> open_device(const Device& device) {
  auto be = make_backend(device);
  std::fprintf(stderr, "device: %s\n", be->describe().c_str());
  return be;
}

LoadedModel load_model(const ModelMeta& meta, const std::string& path, Backend& be) {
  LoadedModel m;
  m.meta = meta;
  ModelOptions opts(m.meta.options, m.meta.n_users, m.meta.n_items);
  m.built = std::make_unique<BuiltModel>(build_model(m.meta.model, opts));
  m.exec = std::make_unique<Exec>(m.built->net, be, 0);
  load_model_params(path, m.built->net);
  return m;
}

void SavedModelArgs::add_to(CLI::App& app) {
  app.add_option("--model-file", model_file, "a file written by `train --save`")->required();
  data.add_to(app, false, "the ratings (default: the path recorded in the model file)");
  app.add_option("--device", device, "auto, cpu, emu, cuda, cuda:N")->capture_default_str();
}

namespace {
void check_same_data(const ModelMeta& meta, const Dataset& r, const std::string& path) {
  if (meta.n_users != r.n_users() || meta.n_items != r.n_items() || meta.n_ratings != r.n_events())
    throw error("data '", path, "' (", r.n_users(), " users, ", r.n_items(), " items, ", r.n_events(),
                " ratings) is not the data the model was trained on (", meta.n_users, ", ", meta.n_items, ", ",
                meta.n_ratings, ")");
}
}  // namespace

ModelSession open_saved_model(const SavedModelArgs& a) {
  const ModelMeta meta = read_model_meta(a.model_file);
  const Device device = Device::parse(a.device);
  ModelSession s;
  s.backend = open_device(device);
  s.model = load_model(meta, a.model_file, *s.backend);
  DataOptions d{a.data, meta.test_fraction, meta.split_seed};
  if (d.input.paths.empty()) d.input.paths = {meta.data_path};
  s.data_path = d.input.paths[0];
  s.data = load_and_split(d);
  check_same_data(meta, s.data.data, s.data_path);
  return s;
}

void print_result(const nlohmann::json& j) {
  std::cout << j.dump() << std::endl;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace sr::cli
