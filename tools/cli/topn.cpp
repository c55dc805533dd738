// sparserec topn: the leave-one-out top-N protocol of BENCHMARKS.md for a model or baseline —
// each user's latest interaction held out, ranked among 99 sampled unseen items (HR@10, NDCG@10)
// and among all items outside the user's training set (Recall@20, NDCG@20, MRR@20).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "engine/error.h"
#include "engine/eval/model_scorer.h"
#include "engine/eval/pair_scorer.h"
#include "engine/eval/topn_eval.h"
#include "models/baselines.h"
#include "tools/cli/common.h"

namespace sr::cli {

namespace {
struct Args {
  ImportArgs input;
  TrainFlags flags;
  std::string model, save;
  std::vector<std::string> options;
  bool validate = false;
  uint64_t negatives_seed = 42;
};

bool is_baseline(const std::string& m) { return m == "popularity" || m == "itemknn"; }

// The net's input rows: the training items, plus the user's own column for models with a user node.
HostCsr net_inputs(const HostCsr& train, bool user_node) {
  if (!user_node) return train;
  HostCsr m = train;
  m.cols = train.cols + train.rows;
  m.col_idx.clear(), m.val.clear(), m.row_ptr = {0};
  for (int64_t u = 0; u < train.rows; ++u) {
    for (int32_t k = train.row_ptr[u]; k < train.row_ptr[u + 1]; ++k) m.col_idx.push_back(train.col_idx[k]), m.val.push_back(1.0f);
    m.col_idx.push_back(static_cast<int32_t>(train.cols + u)), m.val.push_back(1.0f);
    m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
  }
  return m;
}

// Trains the pair models `m` starts from (NeuMF: GMF and MLP) with their own defaults (and
// --epochs when given), then copies them into m's net (already placed on `be`).
void pretrain(BuiltModel& m, Backend& be, const HostCsr& train, const TrainFlags& flags, int64_t users, int64_t items,
              Communicator& comm) {
  TrainFlags defaults_only = flags;  // --lr, --batch, --optimizer are the final model's; --epochs all
  defaults_only.lr = -1.0f, defaults_only.batch = -1, defaults_only.optimizer.clear();
  // Pretraining is not checkpointed: on --resume it runs again (the same, bit for bit).
  defaults_only.checkpoint_dir.clear(), defaults_only.checkpoint_every = 0, defaults_only.resume = false;
  std::vector<BuiltModel> parts;
  std::vector<std::unique_ptr<Exec>> execs;
  parts.reserve(m.pretrain_from.size());
  for (const std::string& name : m.pretrain_from) {
    ModelOptions po(m.pretrain_options, users, items);
    parts.push_back(build_model(name, po));
    BuiltModel& part = parts.back();
    execs.push_back(std::make_unique<Exec>(part.net, be, flags.seed));
    std::fprintf(stderr, "pretraining %s\n", part.net.summary().c_str());
    BackpropStep step;
    train_pairs(*execs.back(), PairInputs::of(part.net), train, part.defaults.negatives, false,
                defaults_only.config(part.defaults, &comm), step, [&](const EpochReport& r) {
                  if (comm.rank() == 0) flags.print_epoch(r);
                });
  }
  std::vector<const Net*> nets;
  for (const auto& part : parts) nets.push_back(&part.net);
  m.init_from_pretrained(m.net, nets);
}

void run_topn(const Args& a, Communicator& comm) {
  auto kv = parse_key_values(a.options);
  a.flags.check();
  if (!a.save.empty() && is_baseline(a.model)) throw error("--save: a baseline (", a.model, ") has no trained weights to save");
  if (!a.save.empty() && a.validate) throw error("--save with --validate: a model tuned on a sub-split is not saved");
  if (!is_baseline(a.model)) {  // refuse an unknown model or option before reading data
    ModelOptions probe(kv, 1, 1);
    const BuiltModel m = build_model(a.model, probe);
    if (m.defaults.negatives == 0 || m.rows != RowsAre::users)
      throw error("model '", a.model, "' is not a top-N model on implicit feedback (try `sparserec train`)");
    a.flags.config(m.defaults, &comm);  // refuses a batch the shards cannot split
  }
  const Dataset d = open_dataset(a.input.paths, a.input.options());
  const Split s = leave_one_out(d, a.validate);
  const Part target = a.validate ? Part::valid : Part::test;
  HostCsr train = part_matrix(d, s, Part::train, RowsAre::users);
  std::fill(train.val.begin(), train.val.end(), 1.0f);  // implicit feedback: any interaction is a positive
  const HostCsr targets = part_matrix(d, s, target, RowsAre::users);
  constexpr int kNegatives = 99;
  const std::vector<int32_t> negatives = sample_negatives(d, kNegatives, a.negatives_seed);
  std::fprintf(stderr, "data: %lld users, %lld items; %lld training interactions, %lld %s targets\n",
               static_cast<long long>(d.n_users()), static_cast<long long>(d.n_items()), static_cast<long long>(train.nnz()),
               static_cast<long long>(targets.nnz()), part_name(target));

  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Scorer> scorer;
  // For a net: its backend, model and input rows, kept alive while the scorer uses them.
  std::unique_ptr<RankTraining> rt;
  std::unique_ptr<BuiltModel> built;
  std::unique_ptr<Exec> ex;
  HostCsr inputs;
  double median_epoch = 0.0;
  if (a.model == "popularity") {
    scorer = std::make_unique<PopularityScorer>(train);
  } else if (a.model == "itemknn") {
    ModelOptions o(kv, d.n_users(), d.n_items());
    const int k = static_cast<int>(o.get_int("k", 100));
    o.check_all_used("itemknn");
    scorer = std::make_unique<ItemKnnScorer>(train, k);
  } else {
    ModelOptions o(kv, d.n_users(), d.n_items());
    built = std::make_unique<BuiltModel>(build_model(a.model, o));
    rt = std::make_unique<RankTraining>(a.flags, built->defaults, comm, run_id("topn", a.model, o.values(), a.input.paths));
    const TrainConfig& cfg = rt->config();
    ex = std::make_unique<Exec>(built->net, rt->backend(), a.flags.seed);
    if (!built->pretrain_from.empty() && cfg.profile_steps == 0)  // a profile times the final model's steps
      pretrain(*built, rt->backend(), train, a.flags, d.n_users(), d.n_items(), rt->gradients());
    inputs = net_inputs(train, built->user_node);
    std::fprintf(stderr, "model: %s; optimizer %s lr %g, %d epochs, batch %lld, %s\n", built->net.summary().c_str(),
                 optimizer_name(cfg.optimizer.kind), cfg.optimizer.lr, cfg.epochs, static_cast<long long>(cfg.batch_rows),
                 built->defaults.negatives > 0 ? (std::to_string(built->defaults.negatives) + " negatives per positive").c_str()
                                               : "full softmax");
    std::vector<double> epochs;
    BackpropStep step;
    auto report = rt->reporter([&](const EpochReport& r) { epochs.push_back(r.seconds); });
    if (built->pairs)
      train_pairs(*ex, PairInputs::of(built->net), train, built->defaults.negatives, false, cfg, step, report);
    else if (built->defaults.negatives > 0)
      train_rows_with_targets(*ex, built->net.input("ratings"), built->net.input("targets"), inputs, train,
                              built->defaults.negatives, cfg, step, report);
    else  // the input is its own target
      train_rows(*ex, built->net.input("ratings"), inputs, cfg, step, report);
    if (rt->profiled("topn", a.model, kv, built->net)) return;
    std::sort(epochs.begin(), epochs.end());
    median_epoch = epochs.empty() ? 0.0 : epochs[epochs.size() / 2];
    if (comm.rank() != 0) return;  // the leader evaluates and writes
    if (!a.save.empty()) {
      save_model(a.save, ModelMeta{a.model, o.values(), a.input.paths[0], d.n_users(), d.n_items(), d.n_events(), 0.0, 0},
                 built->net);
      std::fprintf(stderr, "saved %s\n", a.save.c_str());
    }
    if (built->pairs)
      scorer = std::make_unique<PairScorer>(*ex, PairInputs::of(built->net), d.n_items());
    else
      scorer = std::make_unique<ModelScorer>(*ex, built->net.input("ratings"), built->net.output(), inputs);
  }
  const double fit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const TopNMetrics m = evaluate_topn(*scorer, targets, train, negatives, kNegatives);
  std::fprintf(stderr, "%s: HR@10 %.4f  NDCG@10 %.4f  |  Recall@20 %.4f  NDCG@20 %.4f  MRR@20 %.4f  (%lld users; fit %.2f s)\n",
               a.validate ? "validation" : "test", m.hr10, m.ndcg10, m.recall20, m.ndcg20, m.mrr20,
               static_cast<long long>(m.users), fit_s);
  nlohmann::json j;
  j["command"] = "topn";
  j["model"] = a.model;
  j["options"] = kv;
  j["part"] = part_name(target);
  j["hr10"] = m.hr10;
  j["ndcg10"] = m.ndcg10;
  j["recall20"] = m.recall20;
  j["ndcg20"] = m.ndcg20;
  j["mrr20"] = m.mrr20;
  j["users"] = m.users;
  j["fit_seconds"] = fit_s;
  j["epoch_seconds_median"] = median_epoch;
  print_result(j);
}
}  // namespace

void add_topn_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("topn", "leave-one-out top-N evaluation (HR/NDCG@10 vs 99 negatives, full-ranking R/NDCG/MRR@20)");
  a->input.add_to(*sub, true, "a dataset file, or text in any layout");
  sub->add_option("--model", a->model, "popularity, itemknn, or a top-N model (see `sparserec models`)")->required();
  sub->add_option("options", a->options, "model options as key=value (itemknn: k)");
  a->flags.add_to(*sub);
  sub->add_flag("--validate", a->validate, "hold out each user's second latest instead and report it (for tuning)");
  sub->add_option("--negatives-seed", a->negatives_seed, "seed of the 99 sampled negatives")->capture_default_str();
  sub->add_option("--save", a->save, "write the trained model's weights to this file");
  sub->callback([a] { run_job([&](Communicator& comm) { run_topn(*a, comm); }); });
}

}  // namespace sr::cli
