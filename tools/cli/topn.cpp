// sparserec topn: the leave-one-out top-N protocol of BENCHMARKS.md for a model or baseline —
// each user's latest interaction held out, ranked among 99 sampled unseen items (HR@10, NDCG@10)
// and among all items outside the user's training set (Recall@20, NDCG@20, MRR@20).
#include <cstdio>

#include "engine/eval/topn_eval.h"
#include "kernels/error.h"
#include "tools/cli/commands.h"
#include "tools/cli/training_command.h"

namespace sr::cli {

namespace {
struct Args {
  ImportArgs input;
  ModelArgs model;
  bool validate = false;
  uint64_t negatives_seed = 42;
};

void run_topn(const Args& a, Communicator& comm) {
  TrainingCommand cmd(a.model, Task::topn, comm, a.validate);  // everything that can be refused before the data
  a.input.check();
  if (!a.model.save.empty() && a.validate)
    throw error("--save with --validate: a model tuned on a sub-split is not saved");
  const Dataset d = open_dataset(a.input.paths, a.input.options());
  Split s = leave_one_out(d, a.validate || cmd.early_stop());
  if (cmd.early_stop()) {
    cmd.check_validation_size(s.count(Part::valid), "validation targets");
    if (!cmd.early_stop()) s = leave_one_out(d, false);
  }
  const Part target = a.validate ? Part::valid : Part::test;
  const HostCsr targets = part_matrix(d, s, target, RowsAre::users);
  constexpr int kNegatives = 99;
  const std::vector<int32_t> negatives = sample_negatives(d, kNegatives, a.negatives_seed);
  std::fprintf(stderr, "data: %lld users, %lld items; %lld training interactions, %lld %s targets\n",
               static_cast<long long>(d.n_users()), static_cast<long long>(d.n_items()),
               static_cast<long long>(s.count(Part::train)), static_cast<long long>(targets.nnz()), part_name(target));
  TrainedModel* t = cmd.fit({&d, &s, nullptr}, d.n_users(), d.n_items(), a.input.paths);
  if (!t) return;
  cmd.save(a.input, d, 0.0, 0, a.negatives_seed);
  const TopNMetrics m = evaluate_topn(t->topn_scorer(), targets, t->by_user, negatives, kNegatives);
  std::fprintf(stderr,
               "%s: HR@10 %.4f  NDCG@10 %.4f  |  Recall@20 %.4f  NDCG@20 %.4f  MRR@20 %.4f  (%lld users; fit %.2f s)\n",
               a.validate ? "validation" : "test", m.hr10, m.ndcg10, m.recall20, m.ndcg20, m.mrr20,
               static_cast<long long>(m.users), t->fit_seconds);
  nlohmann::json j = cmd.result();
  j["part"] = part_name(target);
  j["hr10"] = m.hr10;
  j["ndcg10"] = m.ndcg10;
  j["recall20"] = m.recall20;
  j["ndcg20"] = m.ndcg20;
  j["mrr20"] = m.mrr20;
  j["users"] = m.users;
  print_result(j);
}
}  // namespace

void add_topn_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "topn", "leave-one-out top-N evaluation (HR/NDCG@10 vs 99 negatives, full-ranking R/NDCG/MRR@20)");
  a->input.add_to(*sub, true, "a dataset file, or text in any layout");
  a->model.add_to(*sub, "a top-N model or baseline: popularity, itemknn, ... (see `sparserec models`)");
  sub->add_flag("--validate", a->validate, "hold out each user's second latest instead and report it (for tuning)");
  sub->add_option("--negatives-seed", a->negatives_seed, "seed of the 99 sampled negatives")
      ->check(seed_check())
      ->capture_default_str();
  sub->callback([a] { run_job([&](Communicator& comm) { run_topn(*a, comm); }); });
}

}  // namespace sr::cli
