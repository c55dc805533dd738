// sparserec recommend: top-K items from a saved model, from its file alone, as TSV in the data's
// own ids — for users of a rating or top-N model (the items each has not seen: user, rank, item,
// score), or for click sequences of a session model (the next click after each: session, rank,
// item, score; --clicks for one, --sessions for a file of them in any session layout). Users are
// scored a block at a time (--memory-budget) and streamed out; with --out-dir, into shards (the
// batch job of engine/batch/topk_job.h: resumable, split over mpirun ranks).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/batch/topk_job.h"
#include "engine/checksum.h"
#include "engine/data/item_titles.h"
#include "engine/io/atomic_file.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/rank_training.h"
#include "tools/cli/saved_model.h"

namespace sr::cli {

namespace {
struct RecommendArgs {
  SavedModelArgs saved;
  std::string out, out_dir, format = "tsv", titles = "auto";
  std::unordered_map<int64_t, std::string> title_map;  // read from --titles before the model loads
  std::vector<int64_t> users, clicks;
  ImportArgs sessions;
  int k = 10;
  int64_t memory_budget_mb = 1024, shard_users = 100000, block_users = 0;
  bool resume = false;
};

int32_t index_in(const std::vector<int64_t>& ids, int64_t id) { return static_cast<int32_t>(index_of(ids, id)); }

// The sessions to recommend for, as item indices, each with its id in the input (--clicks: -1).
void read_sessions(const RecommendArgs& a, const SavedModel& s, std::vector<std::vector<int32_t>>& sessions,
                   std::vector<int64_t>& ids) {
  const std::vector<int64_t>& items = s.data.item_ids;
  if (!a.clicks.empty()) {
    std::vector<int32_t> one;
    for (int64_t id : a.clicks) {
      const int32_t i = index_in(items, id);
      if (i < 0) throw error("--clicks: item id ", id, " is not among the ", items.size(), " items of the model");
      one.push_back(i);
    }
    sessions.push_back(one), ids.push_back(-1);
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
    sessions.push_back(one), ids.push_back(d.user_ids()[r]);
  }
  std::fprintf(stderr,
               "sessions: %lld read; %lld clicks on items the model does not know dropped, %lld sessions left empty\n",
               static_cast<long long>(d.n_users()), static_cast<long long>(unknown), static_cast<long long>(empty));
}

// What a batch job scores: users of a rating or top-N model (dense indices, named by the data's
// ids), or the sessions of --clicks / --sessions for a session model (named by their ids; the
// --clicks session "clicks").
struct JobRows {
  std::vector<int32_t> rows;
  std::vector<int64_t> ids;  // row index -> its id
  RecommendBlock recommend;  // keeps the sessions it scores
};

// The XXH3 of the model file's bytes: what a resumed job checks it scores with the same model.
std::string file_checksum(const std::string& path) {
  uint64_t sum = 0;
  if (!checksum64_file(path, sum)) throw error("cannot read model file '", path, "'");
  char hex[24];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sum));
  return hex;
}

// A progress line on stderr every few seconds: users done, users/s, the time left.
struct Progress {
  std::string who;
  double next = 0.0;
  void operator()(const TopKJobProgress& p) {
    if (p.seconds < next && p.users_done < p.users_total) return;
    next = p.seconds + 5.0;
    const double rate = p.users_done / std::max(p.seconds, 1e-9);
    std::fprintf(stderr, "%srecommend: %lld of %lld users (%.1f%%), %.0f users/s, %.0f s left\n", who.c_str(),
                 static_cast<long long>(p.users_done), static_cast<long long>(p.users_total),
                 100.0 * p.users_done / std::max<int64_t>(p.users_total, 1), rate,
                 (p.users_total - p.users_done) / std::max(rate, 1e-9));
  }
};

JobRows rows_of(const RecommendArgs& a, SavedModel& s) {
  JobRows j;
  if (s.task == Task::sessions) {
    auto clicks = std::make_shared<std::vector<std::vector<int32_t>>>();
    read_sessions(a, s, *clicks, j.ids);
    for (size_t r = 0; r < clicks->size(); ++r) j.rows.push_back(static_cast<int32_t>(r));
    j.recommend = [&s, clicks](const std::vector<int32_t>& block, int k) {
      std::vector<std::vector<int32_t>> part;
      for (int32_t r : block) part.push_back((*clicks)[static_cast<size_t>(r)]);
      return s.trained->recommend_next(part, k);
    };
  } else {
    j.rows = user_rows(s, a.users);
    j.ids = s.data.user_ids;
    j.recommend = [&s](const std::vector<int32_t>& block, int k) { return s.trained->recommend(block, k); };
  }
  return j;
}

// Sessions or users into one TSV (stdout or --out, written atomically), a block at a time.
void recommend_to_tsv(const RecommendArgs& a, SavedModel& s, nlohmann::json& j) {
  const bool sessions = s.task == Task::sessions;
  // A file is written atomically (whole or not at all); a pipe or device (/dev/stdout) as a stream.
  std::unique_ptr<AtomicFileWriter> file;
  std::FILE* stream = stdout;
  if (!a.out.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(a.out, ec) || std::filesystem::is_regular_file(a.out, ec)) {
      file = std::make_unique<AtomicFileWriter>(a.out);
    } else if (!(stream = std::fopen(a.out.c_str(), "w"))) {
      throw error("cannot write '", a.out, "': ", std::strerror(errno));
    }
  }
  auto emit = [&](const std::string& text) {
    if (file)
      file->write(text.data(), text.size());
    else if (std::fwrite(text.data(), 1, text.size(), stream) != text.size())
      throw error("writing recommendations to ", a.out.empty() ? "stdout" : "'" + a.out + "'", " failed");
  };
  JobRows rows = rows_of(a, s);  // its errors before any output
  const std::vector<std::string> titles = titles_by_index(a.title_map, s.data.item_ids);
  const std::vector<std::string>* shown = a.title_map.empty() ? nullptr : &titles;
  emit(std::string(sessions ? "session" : "user") + "\trank\titem\tscore" + (shown ? "\ttitle\n" : "\n"));
  const int64_t block = sessions ? (a.block_users > 0 ? a.block_users : kSessionsPerBlock)
                                 : users_per_block(s, a.k, a.memory_budget_mb, a.block_users);
  Progress progress;
  TopKJobProgress p;
  p.users_total = static_cast<int64_t>(rows.rows.size());
  score_in_blocks(
      rows.rows, 0, p.users_total, block, a.k, rows.recommend,
      [&](const std::vector<int32_t>& part, const std::vector<std::vector<Scored>>& top) {
        std::string text;
        for (size_t u = 0; u < part.size(); ++u) {
          const int64_t id = rows.ids[static_cast<size_t>(part[u])];
          if (sessions && id < 0)  // --clicks: a session named "clicks"
            append_topk_tsv(text, "clicks", top[u], s.data.item_ids, shown);
          else
            append_topk_tsv(text, std::to_string(id), top[u], s.data.item_ids, shown);
        }
        emit(text);
      },
      p, std::chrono::steady_clock::now(),
      [&](const TopKJobProgress& q) {
        if (q.users_total > block) progress(q);  // one block: no progress to show
      });
  j[sessions ? "sessions" : "users"] = rows.rows.size();
  j[sessions ? "sessions_per_block" : "users_per_block"] = block;
  j["seconds"] = p.seconds;
  if (file) {
    file->commit();
  } else if (std::fflush(stream) != 0 || (stream != stdout && std::fclose(stream) != 0)) {
    throw error("writing recommendations to ", a.out.empty() ? "stdout" : "'" + a.out + "'", " failed");
  }
  if (!a.out.empty()) j["out"] = a.out;
}

// Every listed user (or session of --sessions) into shards of --out-dir, resumable, split over the
// ranks of an mpirun.
void recommend_to_shards(const RecommendArgs& a, SavedModel& s, Communicator& comm, nlohmann::json& j) {
  const bool sessions = s.task == Task::sessions;
  if (sessions && (!a.clicks.empty() || a.sessions.paths.empty()))
    throw error("--out-dir with a session model scores the sessions of --sessions (not --clicks)");
  TopKJobOptions o;
  o.k = a.k;
  o.users_per_shard = a.shard_users;
  o.users_per_block = std::min<int64_t>(sessions ? (a.block_users > 0 ? a.block_users : kSessionsPerBlock)
                                                 : users_per_block(s, a.k, a.memory_budget_mb, a.block_users),
                                        a.shard_users);
  o.tsv = a.format != "npy";
  o.npy = a.format != "tsv";
  o.resume = a.resume;
  o.model = s.meta.model + ", model file checksum " + file_checksum(s.path);
  if (sessions) {
    o.row_name = "session";
    for (const std::string& path : a.sessions.paths)
      o.model += ", sessions file " + path + " checksum " + file_checksum(path);
  }
  const JobRows rows = rows_of(a, s);
  const std::vector<int32_t>& users = rows.rows;
  Progress progress;
  if (comm.size() > 1) progress.who = "rank " + std::to_string(comm.rank()) + ": ";
  const TopKJobReport r = run_topk_job(a.out_dir, users, rows.ids, s.data.item_ids, rows.recommend, o, comm,
                                       [&progress](const TopKJobProgress& p) { progress(p); });
  // The job's totals over the ranks (each rank's own line goes to stderr).
  if (comm.size() > 1)
    std::fprintf(stderr, "rank %d: %lld shards (%lld found finished), %lld users scored in %.1f s\n", comm.rank(),
                 static_cast<long long>(r.shards_here), static_cast<long long>(r.shards_resumed),
                 static_cast<long long>(r.users), r.seconds);
  double totals[2] = {static_cast<double>(r.shards_resumed), static_cast<double>(r.users)};
  comm.all_reduce_sum(totals, 2);
  const double seconds = r.seconds;  // every rank waited for the last at the job's end
  j[sessions ? "sessions" : "users"] = users.size();
  j[sessions ? "sessions_per_block" : "users_per_block"] = o.users_per_block;
  j["shards"] = r.shards;
  j["shards_resumed"] = static_cast<int64_t>(totals[0]);
  j["users_scored"] = static_cast<int64_t>(totals[1]);
  j["seconds"] = seconds;
  j["users_per_second"] = totals[1] / std::max(seconds, 1e-9);
  j["out_dir"] = a.out_dir;
  if (comm.size() > 1) j["ranks"] = comm.size();
}

void run_recommend(RecommendArgs a) {
  a.sessions.check();
  check_positive("--k", a.k);
  check_positive("--memory-budget", a.memory_budget_mb);
  check_positive("--shard-users", a.shard_users);
  if (a.block_users < 0)
    throw error("--block-users must be >= 1 (or 0: what --memory-budget holds), got ", a.block_users);
  if (a.format != "tsv" && a.format != "npy" && a.format != "both")
    throw error("--format must be tsv, npy or both, got '", a.format, "'");
  if (a.out_dir.empty() && (a.resume || a.format != "tsv"))
    throw error(a.resume ? "--resume" : "--format", " is for sharded output: give --out-dir");
  if (!a.out_dir.empty() && !a.out.empty()) throw error("give --out (one TSV) or --out-dir (shards), not both");
  if (!a.out_dir.empty() && a.titles != "auto" && a.titles != "none")
    throw error("--titles adds a column to the TSV of --out or stdout; --out-dir shards hold ids only");
  if (a.out_dir.empty()) a.title_map = read_titles_option(a.saved.model_file, a.titles);
  run_job([&](Communicator& comm) {
    if (comm.size() > 1 && a.out_dir.empty())
      throw error("under mpirun the ranks share a job by shards: give --out-dir");
    // Each rank on its own GPU, as in training (a device named with its index stays as named).
    if (comm.size() > 1 && Device::parse(a.saved.device).kind == DeviceKind::cuda &&
        a.saved.device.find(':') == std::string::npos)
      a.saved.device = "cuda:" + std::to_string(comm.local_rank());
    SavedModel s = open_saved_model(a.saved);
    const bool sessions = s.task == Task::sessions;
    if (sessions && a.clicks.empty() && a.sessions.paths.empty())
      throw error("model '", s.meta.model, "' recommends the next click of a session: give --clicks or --sessions");
    if (!sessions && (!a.clicks.empty() || !a.sessions.paths.empty()))
      throw error("--clicks and --sessions are for session models; model '", s.meta.model, "' recommends for --users");
    nlohmann::json j;
    j["command"] = "recommend";
    j["model"] = s.meta.model;
    j["k"] = a.k;
    if (a.out_dir.empty())
      recommend_to_tsv(a, s, j);
    else
      recommend_to_shards(a, s, comm, j);
    j["peak_rss_mb"] = peak_rss_mb();
    if (comm.rank() == 0) print_result(j);
  });
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
  sub->add_option("--out-dir", a->out_dir,
                  "users: write shards of --shard-users users here (each file atomic; resumable; split over "
                  "mpirun ranks)");
  sub->add_option("--shard-users", a->shard_users, "users per shard of --out-dir")->capture_default_str();
  sub->add_option("--format", a->format, "shards as tsv, npy (users, items, scores arrays) or both")
      ->capture_default_str();
  sub->add_option("--titles", a->titles,
                  "a fifth column, the item's title: auto (u.item, movies.dat or movies.csv beside the training "
                  "data, when there), none, or a file (not in --out-dir shards)")
      ->capture_default_str();
  sub->add_flag("--resume", a->resume, "finish the job in --out-dir, keeping its finished shards");
  sub->add_option("--memory-budget", a->memory_budget_mb,
                  "MB for a block of users' scores on the device (sets the users per block)")
      ->capture_default_str();
  sub->add_option("--block-users", a->block_users, "users per block, instead of what --memory-budget allows");
  sub->callback([a] { run_recommend(*a); });
}

}  // namespace sr::cli
