// sparserec coldstart: the cold-start protocol of the hybrid (models/cold_start_hybrid.h) on a
// dataset imported with item features (genres and a title: `import --item-features u.item`).
// --cold of the items lose every interaction (cold items); each user holds out --holdout of their
// other items (warm test); the training part is split the same way again for validation, on which
// each model's epoch and the hybrid's blend are chosen. Five scorers are measured by Recall@20 among
// the test's cold items and among its warm ones (less each user's training items):
//   genre popularity  the user's share of each of the item's genres × (1 + the item's popularity)
//   dae               a DAE over the item's users alone (a cold item is an empty input: chance)
//   dae+side          the same with the item's side fields as input, trained also without users
//   charcnn           a character CNN over the title
//   hybrid            dae+side and charcnn blended by the item's interaction count
// Under mpirun (or with --shards) each model trains data-parallel (DESIGN.md §4); every rank then
// scores the validation split alike (checked at each measurement), and rank 0 alone scores the
// test and reports, with a digest of each scorer's test scores for comparing runs.
#include <chrono>
#include <cstdio>
#include <optional>

#include "engine/checksum.h"
#include "engine/data/cold_start.h"
#include "engine/data/dataset.h"
#include "engine/data/field_inputs.h"
#include "engine/data/side_features.h"
#include "engine/data/text_import.h"
#include "engine/eval/cold_start_eval.h"
#include "engine/net/exec.h"
#include "kernels/error.h"
#include "models/cold_start_hybrid.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/rank_training.h"

namespace sr::cli {

namespace {

struct ColdStartArgs {
  ImportArgs input;
  double cold = 0.1, holdout = 0.2, lr = 0.001;
  uint64_t seed = 42;
  int epochs = 200, eval_every = 5, patience = 4, negatives = 4, k = 20;
  int64_t batch = 64;
  std::optional<int> shards;  // default: the ranks of the job
  ItemDaeOptions dae;
  CharCnnOptions cnn;
  std::string device = "auto";
};

// The side fields of the items, side by side: all of them (the DAE's input), and the categorical
// and multi-valued ones (genre popularity's).
struct ItemSide {
  HostCsr all, categories;
  std::vector<std::string> names;
};
ItemSide item_side(const Dataset& d) {
  const SideFeatures* f = d.item_features();
  const std::vector<FieldTable> tables = f ? field_tables(*f, "item", d.n_items()) : std::vector<FieldTable>{};
  if (tables.empty())
    throw error(
        "coldstart: the dataset's items have no categorical, multi-valued or numeric field (genres); import it "
        "with --item-features (u.item, movies.dat, movies.csv or a field list)");
  std::vector<const HostCsr*> all, cats;
  ItemSide s;
  size_t t = 0;
  for (const FieldInfo& field : f->fields) {
    if (field.kind == FieldKind::text) continue;
    all.push_back(&tables[t].rows);
    if (field.kind != FieldKind::numeric) cats.push_back(&tables[t].rows);
    s.names.push_back(tables[t].input);
    ++t;
  }
  s.all = concat_columns(all);
  if (cats.empty()) throw error("coldstart: the items' fields are all numeric; genre popularity needs a category");
  s.categories = concat_columns(cats);
  return s;
}

// The two splits: `test` of all the pairs, and `valid` of test's training part (its own cold
// items and held-out pairs). Models are fitted on valid.train and their epochs and the blend are
// chosen on valid; a DAE then reads test.train at test time (an autoencoder's fold-in).
struct Splits {
  ColdStartSplit test, valid;
  HostCsr test_by_item, valid_by_item;  // items x users: what the DAEs read
  std::vector<int64_t> test_count, valid_count;
  std::vector<uint8_t> test_warm, valid_warm;
};

std::vector<uint8_t> complement(const std::vector<uint8_t>& cold) {
  std::vector<uint8_t> warm(cold.size());
  for (size_t i = 0; i < cold.size(); ++i) warm[i] = !cold[i];
  return warm;
}

std::vector<int64_t> row_counts(const HostCsr& m) {
  std::vector<int64_t> c(static_cast<size_t>(m.rows));
  for (int64_t r = 0; r < m.rows; ++r) c[static_cast<size_t>(r)] = m.row_ptr[r + 1] - m.row_ptr[r];
  return c;
}

struct Recalls {
  double cold = 0.0, warm = 0.0;
};
Recalls recalls(std::span<const float> by_item, const ColdStartSplit& s, const std::vector<uint8_t>& warm, int k,
                std::span<const uint32_t> priority) {
  const std::vector<float> scores = transpose_scores(by_item, s.train.cols, s.train.rows);
  return {recall_at(scores, s.cold_test, s.cold, nullptr, k, priority).recall,
          recall_at(scores, s.warm_test, warm, &s.train, k, priority).recall};
}

// What a model is chosen by on the validation split.
enum class Aim { warm, cold, both };
double aim_score(Aim aim, const Recalls& r) {
  return aim == Aim::warm ? r.warm : aim == Aim::cold ? r.cold : 0.5 * (r.cold + r.warm);
}

// Where a model trains: the rank's device, its part of the data-parallel job and the rows of its
// shard's batches.
struct Training {
  Backend& be;
  DataParallel parallel;
  int64_t shard_rows;
  bool leader() const { return parallel.rank() == 0; }  // prints the progress and the result
};

struct Trained {
  std::vector<float> valid, test;  // items x users, at the chosen epoch
  Recalls valid_recall;
  int epoch = 0;
  double seconds = 0.0;
};

// Trains `net` on the rows of `positives` (a row net reads `inputs`' rows, a title net the titles
// of `items`) for up to --epochs, scoring every item each --eval-every epochs on the validation
// split (a row net reading `valid_inputs`) and keeping the scores of the best epoch by `aim`, with
// the test scores of that epoch (a row net reading `test_inputs`); stops after --patience
// evaluations without a better one. The early stopping is this command's own rather than the
// trainer's (engine/train/early_stopping.h), because that one measures one held-out split by a
// model's own metric, while here every item's scores are needed for two pools of two splits, and
// the best epoch's test scores must be kept while the model trains on.
Trained train_and_score(const ColdStartArgs& a, const Training& run, Net net, int64_t title_steps, Aim aim,
                        const HostCsr& inputs, const HostCsr& valid_inputs, const HostCsr& test_inputs,
                        std::span<const std::string> titles, std::span<const int32_t> items, const HostCsr& positives,
                        const Splits& s, std::span<const uint32_t> priority) {
  const auto t0 = std::chrono::steady_clock::now();
  Exec ex(net, run.be, a.seed);
  const ItemRowsNet in = item_rows_net(net, title_steps);
  const int64_t I = s.test.train.cols;
  TrainConfig config;
  config.epochs = a.epochs, config.batch_rows = run.shard_rows, config.seed = a.seed;
  config.parallel = run.parallel;
  config.optimizer.kind = OptKind::adam, config.optimizer.lr = static_cast<float>(a.lr);
  Trained t;
  double best = -1.0;
  int stale = 0;
  config.after_epoch = [&](int epoch) {
    if (epoch % a.eval_every != 0 && epoch != a.epochs) return false;
    std::vector<float> v = score_item_rows(ex, in, valid_inputs, titles, I);
    // Every rank must take the same decision below: scores that differ by a bit (another device,
    // a nondeterministic kernel) would let one rank stop while another trains on, waiting forever.
    if (run.parallel.ranks() > 1) {
      const RankAgreement same[] = {{"the validation scores", checksum64(v.data(), v.size() * sizeof(float))}};
      check_ranks_agree(*run.parallel.comm, same);
    }
    const Recalls r = recalls(v, s.valid, s.valid_warm, a.k, priority);
    if (run.leader())
      std::fprintf(stderr, "  %-14s epoch %3d  validation R@%d: cold %.4f  warm %.4f\n", net.name().c_str(), epoch, a.k,
                   r.cold, r.warm);
    if (aim_score(aim, r) > best) {
      best = aim_score(aim, r), stale = 0;
      t.valid = std::move(v), t.valid_recall = r, t.epoch = epoch;
      if (run.leader())  // only rank 0 reports the test
        t.test = title_steps > 0 ? t.valid : score_item_rows(ex, in, test_inputs, titles, I);
      return false;
    }
    return ++stale >= a.patience;
  };
  BackpropStep step;
  train_item_rows(ex, in, inputs, titles, items, positives, a.negatives, config, step, [](const EpochReport&) {});
  t.seconds = seconds_since(t0);
  if (run.leader()) std::fprintf(stderr, "  %-14s chose epoch %d (%.1f s)\n", net.name().c_str(), t.epoch, t.seconds);
  return t;
}

// The scores' bytes as a checksum in hex: two runs that score alike, bit for bit, print the same.
std::string digest(std::span<const float> scores) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(checksum64(scores.data(), scores.size_bytes())));
  return hex;
}

// What the ranks of a data-parallel job must agree on: every option that shapes the run (each named
// when it differs), the shards, and the data (pairs, item fields, titles). The device and the
// paths may differ; the validation scores are compared as they come (train_and_score).
void check_coldstart_ranks_agree(Communicator& comm, const ColdStartArgs& a, const DataParallel& parallel,
                                 const HostCsr& pairs, const HostCsr& side, std::span<const std::string> titles) {
  if (comm.size() <= 1) return;
  const std::pair<const char*, nlohmann::json> options[] = {
      {"--cold", a.cold},           {"--holdout", a.holdout},       {"--lr", a.lr},
      {"--seed", a.seed},           {"--epochs", a.epochs},         {"--eval-every", a.eval_every},
      {"--patience", a.patience},   {"--negatives", a.negatives},   {"--k", a.k},
      {"--batch", a.batch},         {"--shards", parallel.shards},  {"--hidden", a.dae.hidden},
      {"--dropout", a.dae.dropout}, {"--title-chars", a.cnn.steps}, {"--cnn-filters", a.cnn.filters},
      {"--cnn-width", a.cnn.width}};
  std::vector<RankAgreement> parts;
  for (const auto& [flag, value] : options) {
    const std::string text = value.dump();
    parts.push_back({flag, checksum64(text.data(), text.size())});
  }
  auto matrix = [](const HostCsr& m) {
    const uint64_t sums[3] = {checksum64(m.row_ptr.data(), m.row_ptr.size() * sizeof(int32_t)),
                              checksum64(m.col_idx.data(), m.col_idx.size() * sizeof(int32_t)),
                              checksum64(m.val.data(), m.val.size() * sizeof(float))};
    return checksum64(sums, sizeof sums);
  };
  std::vector<uint64_t> title_sums;
  for (const std::string& t : titles) title_sums.push_back(checksum64(t.data(), t.size()));
  parts.push_back({"the data's interactions", matrix(pairs)});
  parts.push_back({"the items' side fields", matrix(side)});
  parts.push_back({"the items' titles", checksum64(title_sums.data(), title_sums.size() * sizeof(uint64_t))});
  check_ranks_agree(comm, parts);
}

// Each item's users followed by its side fields (items x (users + side)).
HostCsr with_side(const HostCsr& by_item, const HostCsr& side) {
  return concat_columns(std::vector<const HostCsr*>{&by_item, &side});
}

void run_coldstart(const ColdStartArgs& a, Communicator& comm) {
  check_positive("--epochs", a.epochs);
  check_positive("--eval-every", a.eval_every);
  check_positive("--patience", a.patience);
  check_positive("--negatives", a.negatives);
  check_positive("--k", a.k);
  check_positive("--batch", a.batch);
  if (!(a.lr > 0.0)) throw error("--lr must be positive, got ", a.lr);
  check_positive("--title-chars", a.cnn.steps);
  check_positive("--cnn-filters", a.cnn.filters);
  check_positive("--hidden", a.dae.hidden);
  if (!(a.dae.dropout >= 0.0f && a.dae.dropout < 1.0f)) throw error("--dropout must be in [0, 1), got ", a.dae.dropout);
  if (a.cnn.width < 1 || a.cnn.width > a.cnn.steps)
    throw error("--cnn-width must be in 1 .. --title-chars (", a.cnn.steps, "), got ", a.cnn.width);
  a.input.check();
  Device::parse(a.device);
  if (a.shards) check_positive("--shards", *a.shards);
  DataParallel parallel{&comm, a.shards.value_or(comm.size())};
  parallel.check();
  const int64_t shard_rows = shard_batch(a.batch, parallel.shards);  // refused here, before the data is read
  const Dataset d = open_dataset(a.input.paths, a.input.options());
  const std::vector<std::string> titles = item_titles(d);
  const ItemSide side = item_side(d);
  Splits s;
  const HostCsr pairs = interaction_pairs(d);
  check_coldstart_ranks_agree(comm, a, parallel, pairs, side.all, titles);
  s.test = cold_start_split(pairs, a.cold, a.holdout, a.seed);
  s.valid = cold_start_split(s.test.train, a.cold, a.holdout, a.seed + 1);
  s.test_by_item = transpose(s.test.train), s.valid_by_item = transpose(s.valid.train);
  s.test_count = row_counts(s.test_by_item), s.valid_count = row_counts(s.valid_by_item);
  s.test_warm = complement(s.test.cold);
  // Validation's warm pool: neither its own cold items nor the test's, which have no pair in
  // valid.train and no held-out pair, and would only take places in the top k.
  s.valid_warm.resize(s.valid.cold.size());
  for (size_t i = 0; i < s.valid_warm.size(); ++i) s.valid_warm[i] = !s.valid.cold[i] && !s.test.cold[i];
  const int64_t U = d.n_users(), I = d.n_items();
  std::vector<int32_t> rows;  // the items trained on: those with a pair in valid.train
  for (int64_t i = 0; i < I; ++i)
    if (s.valid_count[static_cast<size_t>(i)] > 0) rows.push_back(static_cast<int32_t>(i));
  if (parallel.rank() == 0) {
    std::fprintf(stderr,
                 "data: %lld users, %lld items; test: %lld cold items, %lld cold pairs, %lld warm pairs; validation: "
                 "%lld cold items, %lld cold pairs, %lld warm pairs; %lld pairs over %zu items trained on; side "
                 "fields:",
                 static_cast<long long>(U), static_cast<long long>(I), static_cast<long long>(s.test.n_cold()),
                 static_cast<long long>(s.test.cold_test.nnz()), static_cast<long long>(s.test.warm_test.nnz()),
                 static_cast<long long>(s.valid.n_cold()), static_cast<long long>(s.valid.cold_test.nnz()),
                 static_cast<long long>(s.valid.warm_test.nnz()), static_cast<long long>(s.valid.train.nnz()),
                 rows.size());
    for (const std::string& n : side.names) std::fprintf(stderr, " %s", n.c_str());
    std::fprintf(stderr, " (%lld columns); titles\n", static_cast<long long>(side.all.cols));
  }
  for (const auto& [part, split] : {std::pair{"test", &s.test}, std::pair{"validation", &s.valid}})
    if (split->cold_test.nnz() == 0) throw error("coldstart: the ", part, " split's cold items have no interactions");

  const std::unique_ptr<Backend> be = open_rank_device(a.device, comm);
  const Training run{*be, parallel, shard_rows};
  const std::vector<uint32_t> priority = tie_priority(I, a.seed);
  const HostCsr positives = select_rows(s.valid_by_item, rows);
  // The plain DAE: the items' users alone; chosen by warm recall (it cannot tell cold items apart).
  Trained dae = train_and_score(a, run, item_dae_net(U, 0, a.dae), 0, Aim::warm, positives, s.valid_by_item,
                                s.test_by_item, titles, rows, positives, s, priority);
  // The DAE with side fields, on each item and (cold copies) on its side fields alone.
  HostCsr no_users;
  no_users.rows = I, no_users.cols = U, no_users.row_ptr.assign(static_cast<size_t>(I + 1), 0);
  HostCsr side_inputs = select_rows(with_side(s.valid_by_item, side.all), rows), side_targets = positives;
  if (a.dae.cold_copies) {
    const HostCsr copies = select_rows(with_side(no_users, side.all), rows);
    side_inputs = concat_rows(side_inputs, copies), side_targets = concat_rows(positives, positives);
  }
  Trained dae_side = train_and_score(a, run, item_dae_net(U, side.all.cols, a.dae), 0, Aim::both, side_inputs,
                                     with_side(s.valid_by_item, side.all), with_side(s.test_by_item, side.all), titles,
                                     rows, side_targets, s, priority);
  Trained cnn = train_and_score(a, run, char_cnn_net(U, a.cnn), a.cnn.steps, Aim::cold, HostCsr{}, HostCsr{}, HostCsr{},
                                titles, rows, positives, s, priority);
  if (!run.leader()) return;  // the other ranks have done their part: the nets' training
  // The blend's constant, chosen on the validation split.
  double blend = 0.0, best = -1.0;
  for (double c : {0.5, 2.0, 5.0, 20.0, 100.0}) {
    const Recalls r =
        recalls(hybrid_scores(dae_side.valid, cnn.valid, s.valid_count, c), s.valid, s.valid_warm, a.k, priority);
    if (aim_score(Aim::both, r) > best) best = aim_score(Aim::both, r), blend = c;
  }
  const std::vector<float> hybrid = hybrid_scores(dae_side.test, cnn.test, s.test_count, blend);
  const std::vector<float> genre =  // items x users, as the others
      transpose_scores(genre_popularity_scores(s.test.train, side.categories), U, I);

  std::fprintf(stderr, "  hybrid         chose blend c = %g\n", blend);
  nlohmann::json j;
  j["command"] = "coldstart";
  j["k"] = a.k;
  j["cold_items"] = s.test.n_cold();
  j["blend"] = blend;
  const std::pair<const char*, const std::vector<float>*> methods[] = {{"genre_popularity", &genre},
                                                                       {"dae", &dae.test},
                                                                       {"dae_side", &dae_side.test},
                                                                       {"charcnn", &cnn.test},
                                                                       {"hybrid", &hybrid}};
  std::fprintf(stderr, "%-18s %10s %10s\n", "test", ("cold R@" + std::to_string(a.k)).c_str(),
               ("warm R@" + std::to_string(a.k)).c_str());
  for (const auto& [name, scores] : methods) {
    const Recalls r = recalls(*scores, s.test, s.test_warm, a.k, priority);
    std::fprintf(stderr, "%-18s %10.4f %10.4f\n", name, r.cold, r.warm);
    j["methods"][name] = {{"cold_recall", r.cold}, {"warm_recall", r.warm}, {"digest", digest(*scores)}};
  }
  j["shards"] = parallel.shards, j["ranks"] = parallel.ranks();
  for (const auto& [name, t] : {std::pair{"dae", &dae}, std::pair{"dae_side", &dae_side}, std::pair{"charcnn", &cnn}})
    j["trained"][name] = {{"epoch", t->epoch}, {"seconds", t->seconds}};
  print_result(j);
}

}  // namespace

void add_coldstart_command(CLI::App& app) {
  auto a = std::make_shared<ColdStartArgs>();
  CLI::App* sub = app.add_subcommand(
      "coldstart",
      "the cold-start hybrid (item DAE with side fields + title CNN) against its parts: Recall@k on cold "
      "and warm items");
  a->input.add_to(*sub, true, "a dataset imported with --item-features (genres and titles)");
  sub->add_option("--cold", a->cold, "share of the items made cold")->capture_default_str();
  sub->add_option("--holdout", a->holdout, "share of each user's warm items held out")->capture_default_str();
  sub->add_option("--seed", a->seed, "the split, the initialisation and the batches")
      ->check(seed_check())
      ->capture_default_str();
  sub->add_option("--epochs", a->epochs, "the most epochs a model trains")->capture_default_str();
  sub->add_option("--eval-every", a->eval_every, "epochs between validation measurements")->capture_default_str();
  sub->add_option("--patience", a->patience, "measurements without a better one before a model stops")
      ->capture_default_str();
  sub->add_option("--negatives", a->negatives, "sampled users per positive")->capture_default_str();
  sub->add_option("--batch", a->batch, "items per (global) batch")->capture_default_str();
  sub->add_option("--lr", a->lr, "Adam's learning rate")->capture_default_str();
  sub->add_option("--hidden", a->dae.hidden, "the DAEs' tanh units")->capture_default_str();
  sub->add_option("--dropout", a->dae.dropout, "the DAEs' input corruption")->capture_default_str();
  sub->add_option("--title-chars", a->cnn.steps, "title bytes the CNN reads")->capture_default_str();
  sub->add_option("--cnn-filters", a->cnn.filters, "convolution filters")->capture_default_str();
  sub->add_option("--cnn-width", a->cnn.width, "characters a filter spans")->capture_default_str();
  sub->add_option("-k,--k", a->k, "the cut-off of Recall@k")->capture_default_str();
  sub->add_option("--device", a->device, "auto, cpu, emu, cuda, cuda:N (under mpirun: the rank's GPU)")
      ->capture_default_str();
  sub->add_option("--shards", a->shards,
                  "data-parallel: local batches per global step (default: the ranks of the mpirun job, else 1); "
                  "one process with --shards N trains as N ranks do");
  sub->callback([a] { run_job([&](Communicator& comm) { run_coldstart(*a, comm); }); });
}

}  // namespace sr::cli
