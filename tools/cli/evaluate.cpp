// sparserec evaluate: a saved model's metrics under its task's protocol — rating models on the
// held-out part of the random split they were trained with (RMSE, MAE), top-N models on the
// leave-one-out targets of their data (HR/NDCG@10 against 99 sampled negatives, full-ranking
// R/NDCG/MRR@20), session models on the test sessions given by --test (Recall@20, MRR@20). Rating
// and top-N models read the data they were trained on from the path their file records (or
// --data), and refuse other data. With --retrieve, a top-N model ranks only the candidates another
// model of the same data retrieves (two-stage ranking, engine/eval/candidate_scorer.h).
#include <cstdio>
#include <optional>

#include "engine/eval/candidate_scorer.h"
#include "engine/eval/topn_eval.h"
#include "engine/model_file.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/saved_model.h"

namespace sr::cli {

namespace {
struct EvaluateArgs {
  SavedModelArgs saved;
  ImportArgs data, test;
  std::optional<uint64_t> negatives_seed;
  int eval_lanes = 256;
  SavedModelArgs retrieve;  // model_file empty: one stage
  int64_t candidates = 200;
  bool candidates_given = false;
};

// The retrieval model of a two-stage run: a top-N model of the ranker's data.
SavedModel open_retrieval(const EvaluateArgs& a, const SavedModel& ranker) {
  SavedModelArgs r = a.retrieve;
  r.device = a.saved.device;
  SavedModel s = open_saved_model(r);
  if (s.task != Task::topn)
    throw error("--retrieve '", r.model_file, "': a ", task_name(s.task),
                " model cannot retrieve items for users (give a top-N model)");
  if (s.data.user_ids != ranker.data.user_ids || s.data.item_ids != ranker.data.item_ids ||
      s.data.train_by_user.col_idx != ranker.data.train_by_user.col_idx ||
      s.data.train_by_user.row_ptr != ranker.data.train_by_user.row_ptr)
    throw error("--retrieve '", r.model_file, "' was trained on other data than '", a.saved.model_file,
                "' (their users, items or training interactions differ)");
  return s;
}

void run_evaluate(const EvaluateArgs& a) {
  a.data.check(), a.test.check();
  check_positive("--eval-lanes", a.eval_lanes);
  if (a.candidates_given && a.retrieve.model_file.empty())
    throw error("--candidates counts the items --retrieve retrieves: give --retrieve too");
  if (!a.retrieve.model_file.empty()) {  // before anything is loaded or printed
    check_positive("--candidates", a.candidates);
    if (const ModelMeta m = read_model_meta(a.saved.model_file); parse_task(m.task) != Task::topn)
      throw error("--retrieve: two-stage ranking is for top-N models; '", m.model, "' is a ", m.task, " model");
  }
  if (!a.test.paths.empty())  // before anything is loaded
    if (const ModelMeta m = read_model_meta(a.saved.model_file);
        parse_task(m.task) != Task::sessions && m.data.test_paths.empty())
      throw error("--test: model '", m.model, "' was tested on its protocol's split of its data, not on a test file ",
                  "(--test is for session models, and for models trained on a split given as --train/--test files)");
  SavedModel s = open_saved_model(a.saved);
  if (s.task == Task::sessions && a.test.paths.empty())
    throw error("model '", s.meta.model, "' predicts the next click in sessions: give the test sessions with --test");
  nlohmann::json j;
  j["command"] = "evaluate";
  j["model"] = s.meta.model;
  j["task"] = s.meta.task;
  if (s.task == Task::ratings) {
    std::optional<Split> files;
    const Dataset d = open_training_data(s, a.data, a.test, &files);
    const Split split = files ? *files : random_holdout(d.n_events(), s.meta.test_fraction, s.meta.split_seed);
    const RatingMetrics r = s.trained->rating_metrics(d, split, Part::test);
    std::fprintf(stderr, "test RMSE %.4f  MAE %.4f  (%lld ratings)\n", r.rmse, r.mae, static_cast<long long>(r.n));
    j["test_rmse"] = r.rmse, j["test_mae"] = r.mae, j["n_test"] = r.n;
  } else if (s.task == Task::topn) {
    std::optional<Split> files;
    const Dataset d = open_training_data(s, a.data, a.test, &files);
    const HostCsr targets = part_matrix(d, files ? *files : leave_one_out(d, false), Part::test, RowsAre::users);
    constexpr int kNegatives = 99;
    std::optional<SavedModel> retrieval;
    std::unique_ptr<Scorer> two_stage;
    if (!a.retrieve.model_file.empty()) {
      retrieval = open_retrieval(a, s);
      Scorer& first = retrieval->trained->topn_scorer();
      const double recall = retrieval_recall(first, targets, s.trained->by_user, a.candidates);
      std::fprintf(stderr, "retrieval: '%s' (%s), its top %lld hold %.4f of the targets\n",
                   a.retrieve.model_file.c_str(), retrieval->meta.model.c_str(), static_cast<long long>(a.candidates),
                   recall);
      two_stage = std::make_unique<CandidateScorer>(first, s.trained->topn_scorer(), s.trained->by_user, a.candidates);
      j["retrieval"] = {{"model", retrieval->meta.model}, {"candidates", a.candidates}, {"recall", recall}};
    }
    const TopNMetrics m =
        evaluate_topn(two_stage ? *two_stage : s.trained->topn_scorer(), targets, s.trained->by_user,
                      sample_negatives(d, kNegatives, a.negatives_seed.value_or(s.meta.negatives_seed)), kNegatives);
    std::fprintf(stderr, "test: HR@10 %.4f  NDCG@10 %.4f  |  Recall@20 %.4f  NDCG@20 %.4f  MRR@20 %.4f  (%lld users)\n",
                 m.hr10, m.ndcg10, m.recall20, m.ndcg20, m.mrr20, static_cast<long long>(m.users));
    j["hr10"] = m.hr10, j["ndcg10"] = m.ndcg10, j["recall20"] = m.recall20, j["ndcg20"] = m.ndcg20;
    j["mrr20"] = m.mrr20, j["users"] = m.users;
  } else {
    const Dataset test_data = open_dataset(a.test.paths, a.test.options());
    if (test_data.info().feedback != Feedback::clicks)
      throw error("'", a.test.paths[0], "' holds ratings; session models are tested on click sessions");
    int64_t dropped = 0;
    const Sessions test = sessions_in_item_space(test_data, s.data.item_ids, &dropped);
    const SessionMetrics m = evaluate_sessions(s.trained->session_scorer(), test, a.eval_lanes, 20);
    std::fprintf(stderr, "test: Recall@20 %.4f  MRR@20 %.4f  (%lld events; %lld clicks on unknown items dropped)\n",
                 m.recall, m.mrr, static_cast<long long>(m.events), static_cast<long long>(dropped));
    j["recall20"] = m.recall, j["mrr20"] = m.mrr, j["events"] = m.events;
  }
  print_result(j);
}
}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto a = std::make_shared<EvaluateArgs>();
  CLI::App* sub = app.add_subcommand("evaluate", "a saved model's metrics under its task's protocol");
  a->saved.add_to(*sub);
  a->data.add_to(*sub, false,
                 "rating and top-N models: the data they were trained on (default: the path in the model file)");
  sub->add_option("--test", a->test.paths,
                  "session models: the test click sessions; a model trained on --train/--test files: its test file "
                  "where it is now");
  sub->add_option("--negatives-seed", a->negatives_seed,
                  "top-N: seed of the 99 sampled negatives (default: the one the model's run used)")
      ->check(seed_check());
  sub->add_option("--eval-lanes", a->eval_lanes, "session models: test sessions scored side by side")
      ->capture_default_str();
  sub->add_option("--retrieve", a->retrieve.model_file,
                  "top-N: a model file of the same data whose top --candidates unseen items per user are all this "
                  "model ranks (two-stage ranking)");
  CLI::Option* candidates =
      sub->add_option("--candidates", a->candidates, "top-N with --retrieve: items retrieved per user")
          ->capture_default_str();
  sub->callback([a, candidates] {
    EvaluateArgs b = *a;
    b.test.layout = b.data.layout;
    b.candidates_given = candidates->count() > 0;
    run_evaluate(b);
  });
}

}  // namespace sr::cli
