// sparserec session: the session next-click protocol of BENCHMARKS.md for a session model or
// baseline — train on one file of click sessions, then for every click of every test session
// after the first rank all training items (Recall@20, MRR@20). Test clicks on items training
// never saw are dropped, then test sessions left with fewer than two clicks.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "engine/error.h"
#include "engine/eval/session_eval.h"
#include "models/session_baselines.h"
#include "tools/cli/common.h"

namespace sr::cli {

namespace {
struct Args {
  ImportArgs train, test;
  TrainFlags flags;
  std::string model, save;
  std::vector<std::string> options;
  int eval_lanes = 256;
};

bool is_baseline(const std::string& m) { return m == "popularity" || m == "spop" || m == "itemknn"; }

void run_session(const Args& a, Communicator& comm) {
  auto kv = parse_key_values(a.options);
  a.flags.check();
  if (!a.save.empty() && is_baseline(a.model)) throw error("--save: a baseline (", a.model, ") has no trained weights to save");
  if (!is_baseline(a.model)) {  // refuse an unknown model or option before reading data
    ModelOptions probe(kv, 1, 1);
    const BuiltModel m = build_model(a.model, probe);
    if (!m.sessions)
      throw error("model '", a.model, "' is not a session model (session models: gru4rec, narm; baselines: popularity, spop, itemknn)");
    a.flags.config(m.defaults, &comm);  // refuses a batch the shards cannot split
  }
  const Dataset train_data = open_dataset(a.train.paths, a.train.options());
  const Dataset test_data = open_dataset(a.test.paths, a.test.options());
  if (train_data.info().feedback != Feedback::clicks || test_data.info().feedback != Feedback::clicks)
    throw error("session models need click sessions (layouts rsc15, yoochoose, diginetica), not ratings");
  const Sessions train = sessions_of(train_data);
  int64_t dropped = 0;
  const Sessions test = sessions_in_item_space(test_data, train_data, &dropped);
  std::fprintf(stderr, "data: %lld training sessions, %lld clicks, %lld items; %lld test sessions, %lld clicks (%lld on unseen items dropped)\n",
               static_cast<long long>(train.size()), static_cast<long long>(train.events()),
               static_cast<long long>(train.n_items), static_cast<long long>(test.size()),
               static_cast<long long>(test.events()), static_cast<long long>(dropped));

  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<SessionScorer> scorer;
  std::unique_ptr<RankTraining> rt;  // a net's backend, model and executor, alive while it scores
  std::unique_ptr<BuiltModel> built;
  std::unique_ptr<Exec> ex;
  std::vector<double> epoch_s, rates;
  if (a.model == "popularity") {
    scorer = std::make_unique<SessionPopularityScorer>(train);
  } else if (a.model == "spop") {
    scorer = std::make_unique<SessionPopScorer>(train);
  } else if (a.model == "itemknn") {
    ModelOptions o(kv, 0, train.n_items);
    const float lambda = static_cast<float>(o.get_double("lambda", 20.0)), alpha = static_cast<float>(o.get_double("alpha", 0.5));
    o.check_all_used("itemknn");
    scorer = std::make_unique<SessionItemKnnScorer>(train, lambda, alpha);
  } else {
    ModelOptions o(kv, 0, train.n_items);
    built = std::make_unique<BuiltModel>(build_model(a.model, o));
    rt = std::make_unique<RankTraining>(a.flags, built->defaults, comm, run_id("session", a.model, o.values(), a.train.paths));
    const TrainConfig& cfg = rt->config();
    ex = std::make_unique<Exec>(built->net, rt->backend(), a.flags.seed);
    std::fprintf(stderr, "model: %s; optimizer %s lr %g, %d epochs, batches of %lld, %s\n", built->net.summary().c_str(),
                 optimizer_name(cfg.optimizer.kind), cfg.optimizer.lr, cfg.epochs, static_cast<long long>(cfg.batch_rows),
                 built->prefix_steps > 0 ? ("prefixes (their last " + std::to_string(built->prefix_steps) + " clicks), full softmax").c_str()
                 : built->net.loss().kind == LossKind::rank
                     ? ("sampled output: the batch's targets + " + std::to_string(built->sampling.n_sample) + " samples").c_str()
                     : "session-parallel lanes, full softmax");
    BackpropStep step;
    auto report = rt->reporter([&](const EpochReport& r) { epoch_s.push_back(r.seconds), rates.push_back(r.nnz_per_second); });
    if (built->prefix_steps > 0) {
      train_prefixes(*ex, train, built->prefix_steps, built->prefixes_in_time_order, cfg, step, report);
      scorer = std::make_unique<PrefixSessionScorer>(*ex, built->prefix_steps, train.n_items);
    } else {
      train_sessions(*ex, train, built->sampling, cfg, step, report);
      scorer = std::make_unique<NetSessionScorer>(*ex, train.n_items);
    }
    if (rt->profiled("session", a.model, kv, built->net)) return;
    if (comm.rank() != 0) return;  // the leader evaluates and writes
    if (!a.save.empty()) {
      save_model(a.save, ModelMeta{a.model, o.values(), a.train.paths[0], 0, train.n_items, train.events(), 0.0, 0}, built->net);
      std::fprintf(stderr, "saved %s\n", a.save.c_str());
    }
  }
  const double fit_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const SessionMetrics m = evaluate_sessions(*scorer, test, a.eval_lanes, 20);
  std::fprintf(stderr, "test: Recall@20 %.4f  MRR@20 %.4f  (%lld events; fit %.2f s, evaluation %.2f s)\n", m.recall, m.mrr,
               static_cast<long long>(m.events), fit_s, m.seconds);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  nlohmann::json j;
  j["command"] = "session";
  j["model"] = a.model;
  j["options"] = kv;
  j["recall20"] = m.recall;
  j["mrr20"] = m.mrr;
  j["events"] = m.events;
  j["fit_seconds"] = fit_s;
  j["eval_seconds"] = m.seconds;
  j["epoch_seconds_median"] = median(epoch_s);
  j["train_events_per_second_median"] = median(rates);
  print_result(j);
}
}  // namespace

void add_session_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("session", "session next-click protocol: train on click sessions, Recall@20 and MRR@20 on test sessions");
  sub->add_option("--train", a->train.paths, "training click sessions (e.g. rsc15 train_full.tsv), or a dataset file")->required();
  sub->add_option("--test", a->test.paths, "test click sessions (e.g. rsc15 test.tsv)")->required();
  sub->add_option("--layout", a->train.layout, "text layout of both files: auto, rsc15, yoochoose, diginetica, ...")->capture_default_str();
  sub->add_option("--model", a->model, "popularity, spop, itemknn, or a session model (see `sparserec models`)")->required();
  sub->add_option("options", a->options, "model options as key=value (itemknn: lambda, alpha)");
  a->flags.add_to(*sub);
  sub->add_option("--eval-lanes", a->eval_lanes, "test sessions scored side by side")->capture_default_str();
  sub->add_option("--save", a->save, "write the trained model's weights to this file");
  sub->callback([a] {
    Args b = *a;
    b.test.layout = b.train.layout;
    run_job([&](Communicator& comm) { run_session(b, comm); });
  });
}

}  // namespace sr::cli
