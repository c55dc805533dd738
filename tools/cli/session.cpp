// sparserec session: the session next-click protocol of BENCHMARKS.md for a session model or
// baseline — train on one file of click sessions, then for every click of every test session
// after the first rank all training items (Recall@20, MRR@20). Test clicks on items training
// never saw are dropped, then test sessions left with fewer than two clicks.
#include <algorithm>
#include <cstdio>

#include "kernels/error.h"
#include "tools/cli/commands.h"
#include "tools/cli/training_command.h"

namespace sr::cli {

namespace {
struct Args {
  ImportArgs train, test;
  ModelArgs model;
  int eval_lanes = 256;
  bool validate = false;
};

void run_session(const Args& a, Communicator& comm) {
  TrainingCommand cmd(a.model, Task::sessions, comm, a.validate);  // everything that can be refused before the data
  a.train.check();
  check_positive("--eval-lanes", a.eval_lanes);
  if (a.validate && !a.model.save.empty())
    throw error("--save with --validate: a model tuned on a sub-split is not saved");
  const Dataset train_data = open_dataset(a.train.paths, a.train.options());
  const Dataset test_data = open_dataset(a.test.paths, a.test.options());
  if (train_data.info().feedback != Feedback::clicks || test_data.info().feedback != Feedback::clicks)
    throw error("session models need click sessions (layouts rsc15, yoochoose, diginetica), not ratings");
  const Sessions all_train = sessions_of(train_data);
  // Early stopping scores each epoch on the latest tenth of the training sessions (the last in
  // entry order), which it then does not train on; --validate reports them instead of the test
  // sessions (for tuning). The test sessions stay unseen either way.
  if (cmd.early_stop()) cmd.check_validation_size(all_train.size() / 10, "sessions");
  const int64_t n_valid = cmd.early_stop() || a.validate ? std::max<int64_t>(1, all_train.size() / 10) : 0;
  const Sessions train = session_range(all_train, 0, all_train.size() - n_valid);
  const Sessions valid = session_range(all_train, all_train.size() - n_valid, all_train.size());
  int64_t dropped = 0;
  const Sessions test = a.validate ? valid : sessions_in_item_space(test_data, train_data, &dropped);
  std::fprintf(stderr,
               "data: %lld training sessions, %lld clicks, %lld items; %lld test sessions, %lld clicks (%lld on unseen "
               "items dropped)\n",
               static_cast<long long>(train.size()), static_cast<long long>(train.events()),
               static_cast<long long>(train.n_items), static_cast<long long>(test.size()),
               static_cast<long long>(test.events()), static_cast<long long>(dropped));
  if (cmd.early_stop())
    std::fprintf(stderr, "early stopping: validating on the latest %lld training sessions (%lld clicks)\n",
                 static_cast<long long>(valid.size()), static_cast<long long>(valid.events()));
  TrainedModel* t = cmd.fit({nullptr, nullptr, &train, cmd.early_stop() ? &valid : nullptr, &all_train}, 0,
                            train.n_items, a.train.paths);
  if (!t) return;
  cmd.save(a.train, train_data);
  const SessionMetrics m = evaluate_sessions(t->session_scorer(), test, a.eval_lanes, 20);
  std::fprintf(stderr, "%s: Recall@20 %.4f  MRR@20 %.4f  (%lld events; fit %.2f s, evaluation %.2f s)\n",
               a.validate ? "validation" : "test", m.recall, m.mrr, static_cast<long long>(m.events), t->fit_seconds,
               m.seconds);
  nlohmann::json j = cmd.result();
  j["part"] = a.validate ? "valid" : "test";
  j["recall20"] = m.recall;
  j["mrr20"] = m.mrr;
  j["events"] = m.events;
  j["eval_seconds"] = m.seconds;
  j["train_events_per_second_median"] = t->median_rate();
  print_result(j);
}
}  // namespace

void add_session_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "session", "session next-click protocol: train on click sessions, Recall@20 and MRR@20 on test sessions");
  sub->add_option("--train", a->train.paths, "training click sessions (e.g. rsc15 train_full.tsv), or a dataset file")
      ->required();
  sub->add_option("--test", a->test.paths, "test click sessions (e.g. rsc15 test.tsv)")->required();
  sub->add_option("--layout", a->train.layout, "text layout of both files: auto, rsc15, yoochoose, diginetica, ...")
      ->capture_default_str();
  a->model.add_to(*sub, "a session model or baseline: popularity, spop, itemknn, ... (see `sparserec models`)");
  sub->add_flag("--validate", a->validate,
                "hold out the latest tenth of the training sessions and report them instead of the test (for tuning)");
  sub->add_option("--eval-lanes", a->eval_lanes, "test sessions scored side by side")->capture_default_str();
  sub->callback([a] {
    Args b = *a;
    b.test.layout = b.train.layout;
    run_job([&](Communicator& comm) { run_session(b, comm); });
  });
}

}  // namespace sr::cli
