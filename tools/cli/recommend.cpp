// sparserec recommend: top-K unseen items for users of a saved model, as TSV
// (user, rank, item, score) in the data's own ids.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "engine/error.h"
#include "engine/eval/pair_scorer.h"
#include "engine/eval/recommend.h"
#include "tools/cli/common.h"

namespace sr::cli {

namespace {
struct RecommendArgs {
  SavedModelArgs saved;
  std::string out;
  std::vector<int64_t> users;
  int k = 10;
};

void run_recommend(const RecommendArgs& a) {
  ModelSession s = open_saved_model(a.saved);
  const LoadedModel& m = s.model;
  const Loaded& data = s.data;
  const Dataset& r = data.data;
  std::vector<int32_t> users;
  if (a.users.empty()) {
    for (int32_t u = 0; u < r.n_users(); ++u) users.push_back(u);
  } else {
    for (int64_t id : a.users) {
      const int64_t u = r.user_index(id);
      if (u < 0) throw error("unknown user id ", id, " (not in '", s.data_path, "')");
      users.push_back(static_cast<int32_t>(u));
    }
  }
  const HostCsr train = part_matrix(r, data.split, Part::train, m.built->rows);
  const auto top = m.built->pairs ? recommend_pairs_topk(*m.exec, PairInputs::of(m.built->net), train, users, a.k)
                                  : recommend_topk(*m.exec, m.built->net.input("ratings"), m.built->net.output(), train,
                                                   m.built->rows, users, a.k, m.built->rating_levels);
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw error("cannot write '", a.out, "'");
  }
  std::ostream& os = a.out.empty() ? std::cout : file;
  os << "user\trank\titem\tscore\n";
  for (size_t i = 0; i < users.size(); ++i)
    for (size_t rank = 0; rank < top[i].size(); ++rank)
      os << r.user_ids()[users[i]] << '\t' << rank + 1 << '\t' << r.item_ids()[top[i][rank].item] << '\t'
         << top[i][rank].score << '\n';
  if (!os) throw error("writing recommendations failed");
  nlohmann::json j;
  j["command"] = "recommend";
  j["model"] = m.meta.model;
  j["users"] = users.size();
  j["k"] = a.k;
  if (!a.out.empty()) j["out"] = a.out;
  print_result(j);
}
}  // namespace

void add_recommend_command(CLI::App& app) {
  auto a = std::make_shared<RecommendArgs>();
  CLI::App* sub = app.add_subcommand("recommend", "top-K unseen items per user from a saved model");
  a->saved.add_to(*sub);
  sub->add_option("--users", a->users, "user ids as in the data (default: every user)")->delimiter(',');
  sub->add_option("-k,--k", a->k, "items per user")->capture_default_str();
  sub->add_option("--out", a->out, "write TSV here instead of stdout");
  sub->callback([a] { run_recommend(*a); });
}

void add_models_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("models", "list the models");
  sub->callback([] {
    for (const auto& m : model_registry()) std::cout << m.name << "\t" << m.description << "\n";
  });
}

}  // namespace sr::cli
