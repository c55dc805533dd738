// sparserec recommend: top-K items from a saved model, from its file alone, as TSV in the data's
// own ids — for users of a rating or top-N model (the items each has not seen: user, rank, item,
// score), or for click sequences of a session model (the next click after each: session, rank,
// item, score; --clicks for one, --sessions for a file of them in any session layout).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/saved_model.h"

namespace sr::cli {

namespace {
struct RecommendArgs {
  SavedModelArgs saved;
  std::string out;
  std::vector<int64_t> users, clicks;
  ImportArgs sessions;
  int k = 10;
};

int32_t index_in(const std::vector<int64_t>& ids, int64_t id) { return static_cast<int32_t>(index_of(ids, id)); }

// The sessions to recommend for, as item indices, each named by its id in the input.
void read_sessions(const RecommendArgs& a, const SavedModel& s, std::vector<std::vector<int32_t>>& sessions,
                   std::vector<std::string>& names) {
  const std::vector<int64_t>& items = s.data.item_ids;
  if (!a.clicks.empty()) {
    std::vector<int32_t> one;
    for (int64_t id : a.clicks) {
      const int32_t i = index_in(items, id);
      if (i < 0) throw error("--clicks: item id ", id, " is not among the ", items.size(), " items of the model");
      one.push_back(i);
    }
    sessions.push_back(one), names.push_back("clicks");
  }
  if (a.sessions.paths.empty()) return;
  const Dataset d = open_dataset(a.sessions.paths, a.sessions.options());
  if (d.info().feedback != Feedback::clicks)
    throw error("--sessions '", a.sessions.paths[0], "' holds ratings, not clicks");
  int64_t unknown = 0, empty = 0;
  for (int64_t r = 0; r < d.n_users(); ++r) {
    std::vector<int32_t> one;
    for (int64_t e = d.row_begin(r); e < d.row_end(r); ++e) {
      const int32_t i = index_in(items, d.item_ids()[d.items()[e]]);
      if (i < 0)
        ++unknown;
      else
        one.push_back(i);
    }
    if (one.empty()) {
      ++empty;
      continue;
    }
    sessions.push_back(one), names.push_back(std::to_string(d.user_ids()[r]));
  }
  std::fprintf(stderr,
               "sessions: %lld read; %lld clicks on items the model does not know dropped, %lld sessions left empty\n",
               static_cast<long long>(d.n_users()), static_cast<long long>(unknown), static_cast<long long>(empty));
}

void run_recommend(const RecommendArgs& a) {
  a.sessions.check();
  check_positive("--k", a.k);
  SavedModel s = open_saved_model(a.saved);
  const bool sessions = s.task == Task::sessions;
  if (sessions && a.clicks.empty() && a.sessions.paths.empty())
    throw error("model '", s.meta.model, "' recommends the next click of a session: give --clicks or --sessions");
  if (!sessions && (!a.clicks.empty() || !a.sessions.paths.empty()))
    throw error("--clicks and --sessions are for session models; model '", s.meta.model, "' recommends for --users");
  std::vector<std::string> names;
  std::vector<std::vector<Scored>> top;
  if (sessions) {
    std::vector<std::vector<int32_t>> clicks;
    read_sessions(a, s, clicks, names);
    top = s.trained->recommend_next(clicks, a.k);
  } else {
    std::vector<int32_t> users;
    if (a.users.empty()) {
      for (size_t u = 0; u < s.data.user_ids.size(); ++u) users.push_back(static_cast<int32_t>(u));
    } else {
      for (int64_t id : a.users) {
        const int32_t u = index_in(s.data.user_ids, id);
        if (u < 0)
          throw error("unknown user id ", id, " (not among the ", s.data.user_ids.size(), " users of the model)");
        users.push_back(u);
      }
    }
    for (int32_t u : users) names.push_back(std::to_string(s.data.user_ids[u]));
    top = s.trained->recommend(users, a.k);
  }
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw error("cannot write '", a.out, "'");
  }
  std::ostream& os = a.out.empty() ? std::cout : file;
  os << (sessions ? "session" : "user") << "\trank\titem\tscore\n";
  for (size_t i = 0; i < top.size(); ++i)
    for (size_t rank = 0; rank < top[i].size(); ++rank)
      os << names[i] << '\t' << rank + 1 << '\t' << s.data.item_ids[top[i][rank].item] << '\t' << top[i][rank].score
         << '\n';
  if (!os) throw error("writing recommendations failed");
  nlohmann::json j;
  j["command"] = "recommend";
  j["model"] = s.meta.model;
  j[sessions ? "sessions" : "users"] = top.size();
  j["k"] = a.k;
  if (!a.out.empty()) j["out"] = a.out;
  print_result(j);
}
}  // namespace

void add_recommend_command(CLI::App& app) {
  auto a = std::make_shared<RecommendArgs>();
  CLI::App* sub = app.add_subcommand("recommend", "top-K items from a saved model, for users or click sequences");
  a->saved.add_to(*sub);
  sub->add_option("--users", a->users, "rating and top-N models: user ids as in the data (default: every user)")
      ->delimiter(',');
  sub->add_option("--clicks", a->clicks, "session models: one session's clicks, item ids in order")->delimiter(',');
  sub->add_option("--sessions", a->sessions.paths, "session models: a file of click sessions");
  sub->add_option("--layout", a->sessions.layout, "text layout of --sessions: auto, rsc15, yoochoose, diginetica")
      ->capture_default_str();
  sub->add_option("-k,--k", a->k, "items per user or session")->capture_default_str();
  sub->add_option("--out", a->out, "write TSV here instead of stdout");
  sub->callback([a] { run_recommend(*a); });
}

}  // namespace sr::cli
