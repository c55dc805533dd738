// sparserec synth: writes a synthetic dataset as text (ratings.csv or RSC15 layout) — by default
// Netflix Prize's shape: 480,189 users, 17,770 items, 100,480,507 ratings.
#include <cstdio>

#include "engine/data/synth.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"

namespace sr::cli {

void add_synth_command(CLI::App& app) {
  auto o = std::make_shared<SynthOptions>();
  auto out = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("synth", "generate a synthetic dataset with planted structure (text)");
  sub->add_option("--out", *out, "the text file to write")->required();
  sub->add_option("--users", o->users, "users (sessions for --clicks)")->capture_default_str();
  sub->add_option("--items", o->items, "items")->capture_default_str();
  sub->add_option("--events", o->events, "ratings or clicks, exactly")->capture_default_str();
  sub->add_option("--rank", o->rank, "rank of the planted factor model")->capture_default_str();
  sub->add_option("--zipf", o->zipf, "exponent of the item popularity")->capture_default_str();
  sub->add_flag("--clicks", o->clicks, "a session click stream (RSC15 layout) instead of ratings (ratings.csv)");
  sub->add_option("--seed", o->seed, "seed")->check(seed_check())->capture_default_str();
  sub->add_option("--threads", o->threads, "threads (default: every core)");
  sub->callback([o, out] {
    const SynthReport r = write_synthetic_text(*out, *o);
    std::fprintf(stderr, "wrote %s: %lld %s, %.2f GB in %.1f s (%.0f MB/s)\n", out->c_str(),
                 static_cast<long long>(r.events), o->clicks ? "clicks" : "ratings", static_cast<double>(r.bytes) / 1e9,
                 r.seconds, static_cast<double>(r.bytes) / 1e6 / r.seconds);
    nlohmann::json j;
    j["command"] = "synth";
    j["out"] = *out;
    j["events"] = r.events;
    j["bytes"] = r.bytes;
    j["seconds"] = r.seconds;
    j["peak_rss_mb"] = peak_rss_mb();
    print_result(j);
  });
}

}  // namespace sr::cli
