// sparserec split: writes a protocol's split of a dataset as files — train and test, in a layout
// every command (and pandas) reads — so that other tools and other frameworks use the exact split,
// and `train` / `topn` (--train FILE --test FILE) or `session` read it back into the same dataset
// and parts (engine/data/file_split.h): ratings as MovieLens' CSV (userId,movieId,rating,timestamp),
// clicks as RSC15's TSV (SessionId, ItemId, Time), both with the data's own ids, times in seconds
// (milliseconds as three decimals), in the dataset's order (user, then time).
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "engine/data/split.h"
#include "engine/io/atomic_file.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"

namespace sr::cli {

namespace {
struct SplitArgs {
  ImportArgs input;
  std::string protocol, out;
  double test_fraction = 0.1, test_days = 1.0;
  uint64_t seed = 42;
  bool holdout_given = false, days_given = false;  // on the command line
};

// Writes the events of part `p` to `path`; returns how many.
int64_t write_part(const Dataset& d, const Split& s, Part p, const std::string& path) {
  const bool clicks = d.info().feedback == Feedback::clicks;
  AtomicFileWriter out(path);
  std::string buf = clicks ? "SessionId\tItemId\tTime\n" : "userId,movieId,rating,timestamp\n";
  int64_t n = 0;
  char line[128];
  for (int64_t u = 0; u < d.n_users(); ++u) {
    const int64_t user = d.user_ids()[static_cast<size_t>(u)];
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) {
      if (s.part[static_cast<size_t>(e)] != static_cast<uint8_t>(p)) continue;
      const int64_t item = d.item_ids()[static_cast<size_t>(d.items()[static_cast<size_t>(e)])];
      const int64_t ms = d.time(e);
      const uint64_t abs_ms = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
      char time[32];  // the sign, then the magnitude: -1500 ms is -1.500 s
      if (abs_ms % 1000 == 0)
        std::snprintf(time, sizeof time, "%s%" PRIu64, ms < 0 ? "-" : "", abs_ms / 1000);
      else
        std::snprintf(time, sizeof time, "%s%" PRIu64 ".%03" PRIu64, ms < 0 ? "-" : "", abs_ms / 1000, abs_ms % 1000);
      if (clicks)
        std::snprintf(line, sizeof line, "%" PRId64 "\t%" PRId64 "\t%s\n", user, item, time);
      else
        std::snprintf(line, sizeof line, "%" PRId64 ",%" PRId64 ",%.9g,%s\n", user, item,
                      static_cast<double>(d.rating(e)), time);
      buf += line;
      ++n;
      if (buf.size() > (1u << 20)) out.write(buf.data(), buf.size()), buf.clear();
    }
  }
  out.write(buf.data(), buf.size());
  out.commit();
  return n;
}

void run_split(const SplitArgs& a) {
  a.input.check();
  if (a.protocol != "random" && a.protocol != "loo" && a.protocol != "session")
    throw error("--protocol must be random, loo or session, got '", a.protocol, "'");
  if (a.protocol != "random" && a.holdout_given)
    throw error("--test-fraction and --split-seed shape --protocol random's holdout, not ", a.protocol, "'s");
  if (a.protocol != "session" && a.days_given)
    throw error("--test-days is --protocol session's, not ", a.protocol, "'s");
  if (a.protocol == "random" && !(a.test_fraction > 0.0 && a.test_fraction < 1.0))
    throw error("--test-fraction must be in (0, 1), got ", a.test_fraction);
  if (a.protocol == "session" && !(a.test_days > 0.0 && std::isfinite(a.test_days)))
    throw error("--test-days must be > 0, got ", a.test_days);
  const Dataset d = open_dataset(a.input.paths, a.input.options());
  const bool clicks = d.info().feedback == Feedback::clicks;
  if (a.protocol == "random" && clicks)
    throw error("--protocol random holds out ratings at random; '", a.input.paths[0],
                "' holds clicks (loo or session)");
  if (a.protocol == "session" && !clicks)
    throw error("--protocol session splits click sessions by time; '", a.input.paths[0], "' holds ratings");
  if (!clicks)
    for (float r : d.ratings())
      if (!(r >= 0.5f && r <= 5.0f))
        throw error("rating ", r, " of '", a.input.paths[0],
                    "' is outside 0.5..5, MovieLens' CSV scale, the layout split writes ratings in");
  const Split s = a.protocol == "random" ? random_holdout(d.n_events(), a.test_fraction, a.seed)
                  : a.protocol == "loo"  ? leave_one_out(d, false)
                                         : session_time_split(d, a.test_days);
  make_out_dir(a.out);
  const std::string ext = clicks ? ".tsv" : ".csv";
  const std::string train = a.out + "/train" + ext, test = a.out + "/test" + ext;
  const int64_t n_train = write_part(d, s, Part::train, train), n_test = write_part(d, s, Part::test, test);
  std::fprintf(stderr, "split: %s: %lld train, %lld test events (%lld in neither)\n", a.protocol.c_str(),
               static_cast<long long>(n_train), static_cast<long long>(n_test),
               static_cast<long long>(d.n_events() - n_train - n_test));
  nlohmann::json j;
  j["command"] = "split", j["protocol"] = a.protocol, j["train"] = train, j["test"] = test;
  j["train_events"] = n_train, j["test_events"] = n_test, j["dropped_events"] = d.n_events() - n_train - n_test;
  print_result(j);
}
}  // namespace

void add_split_command(CLI::App& app) {
  auto a = std::make_shared<SplitArgs>();
  CLI::App* sub = app.add_subcommand(
      "split", "write a protocol's split as train and test files, for --train/--test and for other tools");
  a->input.add_to(*sub, true, "a dataset file, or text in any layout");
  sub->add_option("--protocol", a->protocol,
                  "random (rating prediction's holdout), loo (each user's latest interaction) or session (the "
                  "sessions of the last --test-days)")
      ->required();
  sub->add_option("--test-fraction", a->test_fraction, "random: the share of ratings held out")->capture_default_str();
  sub->add_option("--split-seed", a->seed, "random: the seed of the holdout")
      ->check(seed_check())
      ->capture_default_str();
  sub->add_option("--test-days", a->test_days, "session: the days of sessions held out")->capture_default_str();
  sub->add_option("--out", a->out, "the directory to write train and test files in")->required();
  sub->callback([a, sub] {
    a->holdout_given = sub->get_option("--test-fraction")->count() + sub->get_option("--split-seed")->count() > 0;
    a->days_given = sub->get_option("--test-days")->count() > 0;
    run_split(*a);
  });
}

}  // namespace sr::cli
