// sparserec import: text in any layout -> a binary dataset file (loaded by mmap afterwards).
// Reports the parse rate in MB/s, the time to write, and the peak memory of the process.
#include <chrono>
#include <cstdio>

#include "engine/data/dataset_file.h"
#include "engine/data/side_features.h"
#include "kernels/error.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"

namespace sr::cli {

namespace {
struct Args {
  ImportArgs input;
  std::string out;
  std::string user_features, user_fields, item_features, item_fields;
};

// The side features of one side, read for the dataset's ids and reported on stderr; null when not
// asked for.
std::shared_ptr<const SideFeatures> side_features(const std::string& path, const std::string& fields,
                                                  std::span<const int64_t> ids, const char* side, nlohmann::json& j) {
  if (path.empty()) {
    if (!fields.empty()) throw error("--", side, "-fields: give the file with --", side, "-features");
    return nullptr;
  }
  SideFeaturesReport rep;
  auto f = std::make_shared<const SideFeatures>(read_side_features(path, fields, ids, &rep));
  std::fprintf(
      stderr,
      "%s features from %s (%s): %zu fields, %d features; %lld of %zu %ss described, %lld ids not in the data\n", side,
      path.c_str(), rep.layout.c_str(), f->fields.size(), f->n_features,
      static_cast<long long>(static_cast<int64_t>(ids.size()) - rep.rows_without), ids.size(), side,
      static_cast<long long>(rep.unknown_ids));
  j[std::string(side) + "_features"] = {{"path", path},
                                        {"layout", rep.layout},
                                        {"fields", f->fields.size()},
                                        {"features", f->n_features},
                                        {"described", static_cast<int64_t>(ids.size()) - rep.rows_without},
                                        {"unknown_ids", rep.unknown_ids}};
  return f;
}

void run_import(const Args& a) {
  ImportReport rep;
  Dataset d = import_text(a.input.paths, a.input.options(), &rep);
  nlohmann::json features = nlohmann::json::object();
  auto users = side_features(a.user_features, a.user_fields, d.user_ids(), "user", features);  // users first
  auto items = side_features(a.item_features, a.item_fields, d.item_ids(), "item", features);
  d.set_features(std::move(users), std::move(items));
  std::fprintf(stderr, "imported %s (%s): %lld events, %lld users, %lld items in %.2f s, %.0f MB/s%s\n",
               a.input.paths[0].c_str(), rep.layout.c_str(), static_cast<long long>(d.n_events()),
               static_cast<long long>(d.n_users()), static_cast<long long>(d.n_items()), rep.seconds,
               static_cast<double>(rep.bytes) / 1e6 / rep.seconds,
               rep.duplicates_dropped
                   ? (", " + std::to_string(rep.duplicates_dropped) + " earlier duplicates dropped").c_str()
                   : "");
  std::fprintf(stderr, "  pass 1 (validate, count ids) %.2f s, pass 2 (place events) %.2f s, time order %.2f s\n",
               rep.pass1_seconds, rep.pass2_seconds, rep.order_seconds);
  const auto t0 = std::chrono::steady_clock::now();
  save_dataset(a.out, d);
  const double write_s = seconds_since(t0);
  std::fprintf(stderr, "wrote %s in %.2f s\n", a.out.c_str(), write_s);
  nlohmann::json j;
  j["command"] = "import";
  j["layout"] = rep.layout;
  j["events"] = d.n_events();
  j["users"] = d.n_users();
  j["items"] = d.n_items();
  j["text_bytes"] = rep.bytes;
  j["parse_seconds"] = rep.seconds;
  j["parse_mb_per_s"] = static_cast<double>(rep.bytes) / 1e6 / rep.seconds;
  j["pass1_seconds"] = rep.pass1_seconds;
  j["pass2_seconds"] = rep.pass2_seconds;
  j["order_seconds"] = rep.order_seconds;
  j["write_seconds"] = write_s;
  j["duplicates_dropped"] = rep.duplicates_dropped;
  j["peak_rss_mb"] = peak_rss_mb();
  j["out"] = a.out;
  j.update(features);
  print_result(j);
}
}  // namespace

void add_import_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* sub =
      app.add_subcommand("import", "convert text (MovieLens, Netflix, RSC15, ...) to a binary dataset file");
  a->input.add_to(*sub, true, "input: one or more text files of one layout, or Netflix's training_set directory");
  sub->add_option("--out", a->out, "the binary dataset to write")->required();
  const char* known = " (u.user / users.dat, u.item / movies.dat / movies.csv by name; another file with --";
  sub->add_option(
      "--user-features", a->user_features,
      std::string("side information about the users, stored beside the interactions") + known + "user-fields)");
  sub->add_option("--user-fields", a->user_fields,
                  "the user features' columns: id first, then KIND:NAME (KIND cat, multi, num, text) or skip, "
                  "e.g. id,num:age,cat:gender,skip");
  sub->add_option(
      "--item-features", a->item_features,
      std::string("side information about the items, stored beside the interactions") + known + "item-fields)");
  sub->add_option("--item-fields", a->item_fields,
                  "the item features' columns, as --user-fields (multi-valued cells split at '|'), e.g. "
                  "id,text:title,multi:genres,num:year");
  sub->callback([a] { run_import(*a); });
}

}  // namespace sr::cli
