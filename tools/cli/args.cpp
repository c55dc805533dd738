#include "tools/cli/args.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/data/file_split.h"
#include "kernels/backend.h"
#include "kernels/error.h"

namespace sr::cli {

const CLI::Validator& seed_check() {
  static const CLI::Validator v(
      [](std::string& text) {
        return text.find_first_not_of("0123456789") == std::string::npos && !text.empty()
                   ? std::string()
                   : "a seed is an integer >= 0, got '" + text + "'";
      },
      "SEED");
  return v;
}

void ImportArgs::add_to(CLI::App& app, bool required, const char* what) {
  auto* o = app.add_option("--data", paths, what);
  if (required) o->required();
  std::string names;
  for (const auto& n : layout_names()) names += (names.empty() ? "" : ", ") + n;
  app.add_option("--layout", layout, "text layout: auto, " + names)->capture_default_str();
  app.add_option("--columns", columns, "layout csv: the role of each field, e.g. user,item,rating,time (- skips)");
  app.add_option("--separator", separator, "layout csv: , ; :: tab or space");
  app.add_option("--duplicates", duplicates,
                 "a repeated (user, item): error, last (keep the latest) or keep "
                 "(default: error for ratings, keep for clicks)");
  app.add_option("--threads", threads, "import threads (default: every core)");
}

void ImportArgs::check() const {
  if (layout != "auto") layout_by_name(layout, columns, separator);
  if (!duplicates.empty()) parse_duplicates(duplicates);
  if (threads < 0) throw error("--threads must be >= 0 (0: every core), got ", threads);
}

void make_out_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw error("--out '", dir, "': cannot make the directory (", ec ? ec.message() : "not a directory", ")");
}

void check_positive(const char* flag, int64_t value) {
  if (value < 1) throw error(flag, " must be >= 1, got ", value);
}

int64_t shard_batch(int64_t global_rows, int shards) {
  if (shards <= 1) return global_rows;
  if (global_rows <= 0 || global_rows % shards != 0)
    throw error("data-parallel over ", shards, " shards: --batch (the global batch, now ", global_rows,
                ") must be a positive multiple of it");
  return global_rows / shards;
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
  app.add_option("--split-seed", seed, "seed of the random holdout split")->check(seed_check())->capture_default_str();
}

void DataOptions::check() const {
  input.check();
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw error("--test-fraction must be in (0, 1), got ", test_fraction);
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

void SplitFiles::add_to(CLI::App& app) {
  app.add_option("--train", train, "a split given as files: the training part (any layout; instead of --data)");
  app.add_option("--test", test, "a split given as files: the test part (with --train)");
}

void SplitFiles::check(bool data_given) const {
  if (!given()) {
    if (!data_given) throw error("give the data: --data FILE, or a split as --train FILE --test FILE");
    return;
  }
  if (data_given) throw error("--data and --train/--test: give the whole data or a split of it as files, not both");
  if (train.empty()) throw error("--test needs --train (a split given as files has both parts)");
  if (test.empty()) throw error("--train needs --test (a split given as files has both parts)");
}

Loaded load_split_files(const ImportArgs& how, const SplitFiles& f) {
  const Dataset train = open_dataset({f.train}, how.options());
  const Dataset test = open_dataset({f.test}, how.options());
  JoinedSplit j = join_split_files(train, test, f.train, f.test);
  std::fprintf(stderr,
               "data: %s + %s: %lld events, %lld users, %lld items; %lld train / %lld test (the files' split)\n",
               f.train.c_str(), f.test.c_str(), static_cast<long long>(j.data.n_events()),
               static_cast<long long>(j.data.n_users()), static_cast<long long>(j.data.n_items()),
               static_cast<long long>(j.split.count(Part::train)), static_cast<long long>(j.split.count(Part::test)));
  return {std::move(j.data), std::move(j.split)};
}

void TrainFlags::add_to(CLI::App& app) {
  app.add_option("--device", device, "auto, cpu, emu (CUDA kernels on the emulator), cuda, cuda:N")
      ->capture_default_str();
  app.add_option("--epochs", epochs, "epochs (default: the model's)");
  app.add_option("--batch", batch, "rows per batch, 0 for full batch (default: the model's)");
  app.add_option("--optimizer", optimizer, "sgd, adam, adagrad or rprop (default: the model's)");
  app.add_option("--lr", lr, "learning rate, or Rprop's initial step (default: the model's)");
  app.add_option("--lr-decay", lr_decay, "multiply the learning rate by this after every epoch (default: the model's)");
  app.add_option(
      "--average-weights", average,
      "end on an exponential moving average of the weights with this decay a step, 0 for none (default: the model's)");
  app.add_option("--seed", seed, "seed of initialisation, shuffling, sampling and dropout")
      ->check(seed_check())
      ->capture_default_str();
  app.add_option("--scatter", scatter, "deterministic (bit-reproducible) or atomic")->capture_default_str();
  app.add_option("--progress-every", progress_every, "print every N-th epoch's progress line")->capture_default_str();
  app.add_option("--shards", shards,
                 "data-parallel: local batches per global step (default: the ranks of the mpirun job, else 1); "
                 "one process with --shards N trains as N ranks do");
  app.add_option("--comm", comm,
                 "data-parallel gradient exchange: auto (NCCL between GPUs, else MPI on the host), host, nccl")
      ->capture_default_str();
  app.add_option("--checkpoint-dir", checkpoint_dir,
                 "write training checkpoints here (at every epoch's end, and see --checkpoint-every)");
  app.add_option("--checkpoint-every", checkpoint_every, "also checkpoint every N (global) steps within an epoch");
  app.add_flag("--resume", resume,
               "go on from the newest checkpoint in --checkpoint-dir (from the start if there is none)");
  app.add_option("--early-stop", early_stop,
                 "stop after N epochs without a better validation score (validation, not trained on: 10% of the "
                 "training ratings at random, each user's second latest interaction, or the latest 10% of "
                 "training sessions); --epochs is then the most, and --early-stop-mode says how it ends. "
                 "auto: N = max(5, epochs / 5) (leave-one-out top-N: max(10, epochs / 2)), off where the validation "
                 "part would be under 50 ratings, "
                 "targets or sessions, with --validate or --profile-steps; off (or 0): a fixed schedule")
      ->capture_default_str();
  app.add_option("--early-stop-mode", early_stop_mode,
                 "refit: then train a fresh model on all the training data for the best epoch's number of "
                 "epochs; best: keep the best epoch's weights (trained without the validation part)")
      ->capture_default_str();
  app.add_option("--log", log,
                 "append a JSON line per epoch here (loss, time, throughput, the validation score) for "
                 "`sparserec plot`");
  app.add_option("--profile-steps", profile_steps,
                 "measure instead of training: one warm-up and N timed global steps through the data-parallel path, "
                 "then print seconds and bytes exchanged per step (no evaluation, no files)");
}

namespace {
// Refuses a value given for `flag` that is not finite or lies outside [lo, hi] (an open end when
// the bound itself is excluded): the flag, the range and the value in one line.
template <typename T>
void check_range(const char* flag, const std::optional<T>& v, double lo, bool lo_open, double hi, bool hi_open) {
  if (!v) return;
  const double x = static_cast<double>(*v);
  const bool ok = std::isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  if (ok) return;
  char range[64];
  std::snprintf(range, sizeof range, "%s%g, %s%s", lo_open ? "(" : "[", lo, std::isinf(hi) ? "∞" : "",
                std::isinf(hi) ? ")" : (hi_open ? ")" : "]"));
  if (!std::isinf(hi))
    std::snprintf(range, sizeof range, "%s%g, %g%s", lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]");
  throw error(flag, " must be in ", range, ", got ", *v);
}
constexpr double kInfinity = INFINITY;
}  // namespace

void TrainFlags::check() const {
  Device::parse(device);
  if (!optimizer.empty()) parse_optimizer(optimizer);
  check_range("--epochs", epochs, 1, false, kInfinity, true);
  check_range("--batch", batch, 0, false, kInfinity, true);  // 0: the whole data as one batch
  check_range("--lr", lr, 0, true, kInfinity, true);
  check_range("--lr-decay", lr_decay, 0, true, 1, false);
  check_range("--average-weights", average, 0, false, 1, true);
  check_range("--progress-every", std::optional<int>(progress_every), 1, false, kInfinity, true);
  check_range("--shards", shards, 1, false, kInfinity, true);
  check_range("--checkpoint-every", std::optional<int64_t>(checkpoint_every), 0, false, kInfinity, true);
  check_range("--profile-steps", std::optional<int64_t>(profile_steps), 0, false, kInfinity, true);
  early_stop_patience(1);  // refuses what is neither auto, off nor a patience
  if (early_stop_mode != "refit" && early_stop_mode != "best")
    throw error("--early-stop-mode must be refit or best, got '", early_stop_mode, "'");
  if (!early_stop_off() && early_stop_mode == "best" && !checkpoint_dir.empty())
    throw error(
        "--early-stop-mode best with --checkpoint-dir: checkpoints do not hold the best epoch's weights "
        "(the refit mode resumes exactly)");
  if (scatter != "deterministic" && scatter != "atomic")
    throw error("--scatter must be deterministic or atomic, got '", scatter, "'");
  if (comm != "auto" && comm != "host" && comm != "nccl")
    throw error("--comm must be auto, host or nccl, got '", comm, "'");
  if ((resume || checkpoint_every > 0) && checkpoint_dir.empty())
    throw error(resume ? "--resume" : "--checkpoint-every", " needs --checkpoint-dir");
  if (!log.empty()) {  // before any data is read, without creating it: it is opened once training starts
    namespace fs = std::filesystem;
    const fs::path p = fs::absolute(log);
    const std::string where = fs::exists(p) ? p.string() : p.parent_path().string();
    if (fs::is_directory(p) || access(where.c_str(), W_OK) != 0)
      throw error("--log '", log, "': cannot open it for writing (",
                  fs::is_directory(p) ? "a directory" : std::strerror(errno), ")");
  }
}

int TrainFlags::early_stop_patience(int epochs, bool one_target_per_user) const {
  if (early_stop_off()) return 0;
  if (early_stop_auto()) return one_target_per_user ? std::max(10, epochs / 2) : std::max(5, epochs / 5);
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(early_stop.c_str(), &end, 10);
  if (early_stop.empty() || *end != '\0' || errno != 0 || n < 1 || n > 1000000)
    throw error("--early-stop must be auto, off or a patience in epochs (1 or more), got '", early_stop, "'");
  return static_cast<int>(n);
}

TrainConfig TrainFlags::config(const TrainDefaults& d, Communicator* comm, const std::string& run) const {
  TrainConfig cfg;
  cfg.parallel.comm = comm;
  cfg.parallel.shards = shards ? *shards : (comm ? comm->size() : 1);
  cfg.parallel.check();
  cfg.epochs = epochs.value_or(d.epochs);
  cfg.batch_rows = batch.value_or(d.batch_rows);
  cfg.seed = seed;
  cfg.optimizer.kind = parse_optimizer(optimizer.empty() ? d.optimizer : optimizer);
  cfg.optimizer.lr = lr.value_or(d.lr);
  cfg.lr_decay = lr_decay.value_or(d.lr_decay);
  cfg.optimizer.average = average.value_or(d.average);
  cfg.optimizer.momentum = d.momentum;
  cfg.scatter = scatter == "atomic" ? ScatterMode::atomic : ScatterMode::deterministic;
  cfg.batch_rows = shard_batch(cfg.batch_rows, cfg.parallel.shards);
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
                  static_cast<double>(x.reduce_bytes + x.gather_bytes) / n / 1e6,
                  static_cast<double>(x.dense_bytes) / n / 1e6, x.wait_seconds);
    exchange = text;
  }
  std::fprintf(stderr, "epoch %d/%d  loss %.6g  %.3f s  %.0f %s/s%s\n", r.epoch, r.epochs, r.loss, r.seconds,
               r.nnz_per_second, r.unit, exchange.c_str());
}

TrainConfig TrainFlags::pretrain_config(const TrainDefaults& d, Communicator* comm) const {
  TrainFlags own = *this;  // --lr, --batch, --optimizer are the final model's; --epochs all
  own.lr.reset(), own.batch.reset(), own.optimizer.clear();
  own.checkpoint_dir.clear(), own.checkpoint_every = 0, own.resume = false;
  return own.config(d, comm);
}

}  // namespace sr::cli
