// sparserec info: shape, density and rating histogram of a dataset (binary or text), with the
// time it took to load and the peak memory.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "engine/data/dataset_file.h"
#include "tools/cli/args.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"

namespace sr::cli {

void add_info_command(CLI::App& app) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* sub = app.add_subcommand("info", "describe a dataset: shape, density, rating histogram");
  a->add_to(*sub, true, "a binary dataset file, or text in any layout");
  sub->callback([a] {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset d = open_dataset(a->paths, a->options());
    const double load_s = seconds_since(t0);
    std::cout << describe_dataset(d);
    nlohmann::json j;
    j["command"] = "info";
    j["users"] = d.n_users();
    j["items"] = d.n_items();
    j["events"] = d.n_events();
    j["feedback"] = feedback_name(d.info().feedback);
    j["load_seconds"] = load_s;
    j["peak_rss_mb"] = peak_rss_mb();
    print_result(j);
  });
}

}  // namespace sr::cli
