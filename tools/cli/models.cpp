// sparserec models: every model and baseline by task, with its options (defaults, ranges, help),
// as the models declare them (models/registry.h).
#include <iostream>

#include "models/registry.h"
#include "tools/cli/commands.h"

namespace sr::cli {

void add_models_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("models", "list the models and baselines with their options");
  sub->callback([] { std::cout << describe_models(); });
}

}  // namespace sr::cli
