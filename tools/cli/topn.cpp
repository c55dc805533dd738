// sparserec topn: the leave-one-out top-N protocol of BENCHMARKS.md for a model or baseline —
// each user's latest interaction held out, ranked among 99 sampled unseen items (HR@10, NDCG@10)
// and among all items outside the user's training set (Recall@20, NDCG@20, MRR@20).
#include <cstdio>
#include <optional>

#include "engine/eval/topn_eval.h"
#include "kernels/error.h"
#include "tools/cli/commands.h"
#include "tools/cli/training_command.h"

namespace sr::cli {

namespace {
// Leave-one-out ranks one target per user: a test file with more for a user is refused.
void check_one_target_per_user(const Dataset& d, const Split& s, const std::string& test_file) {
  for (int64_t u = 0; u < d.n_users(); ++u) {
    int64_t n = 0;
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) n += s.part[static_cast<size_t>(e)] == uint8_t(Part::test);
    if (n > 1)
      throw error("--test '", test_file, "': user ", d.user_ids()[static_cast<size_t>(u)], " has ", n,
                  " test interactions; the leave-one-out protocol of topn ranks one per user");
  }
}

struct Args {
  ImportArgs input;
  SplitFiles files;
  ModelArgs model;
  bool validate = false;
  uint64_t negatives_seed = 42;
};

void run_topn(const Args& a, Communicator& comm) {
  TrainingCommand cmd(a.model, Task::topn, comm, a.validate);  // everything that can be refused before the data
  a.files.check(!a.input.paths.empty());
  a.input.check();
  if (!a.model.save.empty() && a.validate)
    throw error("--save with --validate: a model tuned on a sub-split is not saved");
  // The protocol's split, or the files': their test part the targets, one per user, and each
  // user's latest training interaction the validation target (as leave-one-out carves it).
  std::optional<Loaded> joined;
  if (a.files.given()) {
    joined = load_split_files(a.input, a.files);
    check_one_target_per_user(joined->data, joined->split, a.files.test);
  }
  const Dataset d = joined ? joined->data : open_dataset(a.input.paths, a.input.options());
  auto split = [&](bool validation) {
    if (!joined) return leave_one_out(d, validation);
    Split s = joined->split;
    if (validation) carve_latest_validation(d, s);
    return s;
  };
  Split s = split(a.validate || cmd.early_stop());
  if (cmd.early_stop()) {
    cmd.check_validation_size(s.count(Part::valid), "validation targets");
    if (!cmd.early_stop()) s = split(false);
  }
  const Part target = a.validate ? Part::valid : Part::test;
  const HostCsr targets = part_matrix(d, s, target, RowsAre::users);
  constexpr int kNegatives = 99;
  const std::vector<int32_t> negatives = sample_negatives(d, kNegatives, a.negatives_seed);
  std::fprintf(stderr, "data: %lld users, %lld items; %lld training interactions, %lld %s targets\n",
               static_cast<long long>(d.n_users()), static_cast<long long>(d.n_items()),
               static_cast<long long>(s.count(Part::train)), static_cast<long long>(targets.nnz()), part_name(target));
  TrainedModel* t =
      cmd.fit({&d, &s, nullptr}, d.n_users(), d.n_items(), a.files.given() ? a.files.paths() : a.input.paths);
  if (!t) return;
  cmd.save(a.input, d, 0.0, 0, a.negatives_seed, a.files);
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
  a->input.add_to(*sub, false, "a dataset file, or text in any layout");
  a->files.add_to(*sub);
  a->model.add_to(*sub, "a top-N model or baseline: popularity, itemknn, ... (see `sparserec models`)");
  sub->add_flag("--validate", a->validate, "hold out each user's second latest instead and report it (for tuning)");
  sub->add_option("--negatives-seed", a->negatives_seed, "seed of the 99 sampled negatives")
      ->check(seed_check())
      ->capture_default_str();
  sub->callback([a] { run_job([&](Communicator& comm) { run_topn(*a, comm); }); });
}

}  // namespace sr::cli
